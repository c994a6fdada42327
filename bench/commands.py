"""Command latency: p50/p99/max of `router.dispatch` for /summary, /figures, /search Belgorod.

In-process (no network): (a) on the bundled briefing, (b) on a database of 1,000 generated
briefings. Warm-up first, then ~2,000 calls per command. Goal to compare with: p99 < 2 ms.
With 1,000 briefings, `/summary <id>` is also measured naming each briefing in turn (the
library holds whole briefings only in a small cache, so every call reads and decodes one
from the database) and naming a few (every call served from the cache).

    .venv/bin/python -m bench.commands
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import (
    LATENCY_HEADERS,
    copy_bundled,
    generate_briefings,
    header,
    latency_row,
    open_core,
    run,
    table,
    temp_dir,
    temp_settings,
)
from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.commands.router import CommandRouter
from bot.library import CACHED_BRIEFINGS

CALLS = 2000
WARMUP = 200
CASES = [("summary", ""), ("figures", ""), ("search", "Belgorod")]
CALLER = Caller(platform="telegram", chat_id=1001, user_id=1001)


async def measure(router: CommandRouter, name: str, args: str, calls: int = CALLS) -> list[float]:
    """Dispatch timings in seconds, after a warm-up; a failed reply aborts the run."""
    for _ in range(WARMUP):
        reply = await router.dispatch(CALLER, name, args)
        if not reply.ok:
            raise RuntimeError(f"/{name} {args} failed: {reply}")
    samples = []
    clock = time.perf_counter
    for _ in range(calls):
        started = clock()
        await router.dispatch(CALLER, name, args)
        samples.append(clock() - started)
    return samples


async def measure_named(router: CommandRouter, ids: list[str], calls: int = CALLS) -> list[float]:
    """`/summary <id>` timings, naming the given briefings in turn."""
    samples = []
    clock = time.perf_counter
    for n in range(calls):
        started = clock()
        reply = await router.dispatch(CALLER, "summary", ids[n % len(ids)])
        samples.append(clock() - started)
        if not reply.ok:
            raise RuntimeError(f"/summary {ids[n % len(ids)]} failed: {reply}")
    return samples


async def dataset_rows(folder: Path, label: str, briefings: int) -> list[list[Any]]:
    settings = temp_settings(folder)
    if briefings:
        generate_briefings(settings.content_dir, briefings)
    else:
        copy_bundled(settings.content_dir)
    async with open_core(settings) as core:
        report = await core.reload()
        assert report.ok and len(report.added) == max(1, briefings), report.summary_line()
        router = build_router(core)
        rows = []
        for name, args in CASES:
            samples = await measure(router, name, args)
            rows.append(latency_row(f"{label}: /{name} {args}".rstrip(), samples))
        if briefings > CACHED_BRIEFINGS:
            ids = [item.id for item in await core.library.listings()]
            every = await measure_named(router, ids[::-1])  # oldest first: never the pinned newest
            rows.append(latency_row(f"{label}: /summary <each id in turn> (read, decoded)", every))
            few = ids[1:9]
            await measure_named(router, few, WARMUP)
            rows.append(
                latency_row(f"{label}: /summary <one of {len(few)} ids> (cached)", await measure_named(router, few))
            )
        return rows


async def main() -> list[list[Any]]:
    header("command latency (router.dispatch, in-process)")
    rows: list[list[Any]] = []
    with temp_dir() as tmp:
        rows += await dataset_rows(tmp / "one", "bundled (1)", 0)
        rows += await dataset_rows(tmp / "many", "1,000 briefings", 1000)
    table(LATENCY_HEADERS, rows)
    print("goal: p99 < 2 ms")
    return rows


if __name__ == "__main__":
    run(main)
