"""Peak RSS of a process holding 10,000 subscriptions and 1,000 briefings. Goal: under 80 MB.

The parent prepares a database (1,000 generated briefings loaded, then 10,000 Telegram
subscriptions and one queued broadcast). A fresh child process, on its own copy of that
database, then opens Core on it, loads the library, runs a few commands and one full
delivery pass (DeliveryWorker.run_once with an in-process sender that renders each
Telegram message and reports it sent — no network), and prints its peak RSS: VmHWM from
/proc/self/status (clean across fork+exec), beside ru_maxrss (which on Linux starts at the
parent's RSS, so it is only clean when the parent is small).

Each child imports what the service imports: `bot.service`, and the front-end of each
platform with a token (the service imports python-telegram-bot only for a Telegram token,
discord.py only for a Discord one). The headline is a Telegram-only deployment; the same
work with both front-ends imported is printed beside it. A child that only imports is the
baseline of each. The Telegram-only work runs once more under tracemalloc, to show what
holds the memory the imports do not explain.

    .venv/bin/python -m bench.memory
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    generate_briefings,
    header,
    hwm_rss_mb,
    open_core,
    peak_rss_mb,
    queue_one_broadcast,
    run,
    table,
    temp_dir,
    temp_settings,
    unlimited,
    write_subscriptions,
)

BRIEFINGS = 1000
SUBSCRIPTIONS = 10_000
TOP = 12


async def prepare(folder: Path) -> None:
    settings = temp_settings(folder)
    generate_briefings(settings.content_dir, BRIEFINGS)
    async with open_core(settings) as core:
        report = await core.reload()  # before the subscriptions: no briefing alerts fan out
        assert len(report.added) == BRIEFINGS, report.summary_line()
        await write_subscriptions(core, "telegram", range(1, SUBSCRIPTIONS + 1))
        assert await queue_one_broadcast(core) == SUBSCRIPTIONS
    # A connection whose last statement still sits in a reference cycle closes (and folds its
    # write-ahead log into the file) only when the cycle is collected: every child gets the same file.
    gc.collect()


class RenderingSender:
    """Does what TelegramSender does before the network: render every part; then 'sent'."""

    platform = "telegram"

    async def deliver(self, chat_id: int, thread_id: int, reply: Any) -> Any:
        from bot.frontends.on_telegram.render import render_messages
        from bot.outcome import SENT

        render_messages(reply)
        await asyncio.sleep(0)
        return SENT


async def child_work(folder: Path) -> dict[str, Any]:
    from bot.alerts.worker import DeliveryWorker
    from bot.commands.catalog import build_router
    from bot.commands.context import Caller

    settings = temp_settings(folder)
    async with open_core(settings) as core:
        entries = await core.library.listings()
        router = build_router(core)
        caller = Caller(platform="telegram", chat_id=1, user_id=1)
        for name, args in (
            ("summary", ""),
            ("figures", ""),
            ("search", "Belgorod"),
            ("briefings", ""),
            ("quotes", ""),
            ("keypoints", ""),
        ):
            assert (await router.dispatch(caller, name, args)).ok, name
        worker = DeliveryWorker(
            core,
            {"telegram": RenderingSender()},
            unlimited("telegram"),
            concurrency={"telegram": settings.telegram_concurrency},
        )
        delivered = await worker.run_once()
        await worker.release()
    return {"briefings": len(entries), "delivered": delivered, "peak_mb": peak_rss_mb(), "hwm_mb": hwm_rss_mb()}


async def traced(folder: Path) -> dict[str, Any]:
    """The same work under tracemalloc: what holds memory at the end, and the traced peak."""
    import tracemalloc

    tracemalloc.start(1)
    result = await child_work(folder)
    current, peak = tracemalloc.get_traced_memory()
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    top = [
        [f"{_short(stat.traceback[0].filename)}:{stat.traceback[0].lineno}", stat.size / 1e6, stat.count]
        for stat in snapshot.statistics("lineno")[:TOP]
    ]
    return {**result, "traced_mb": current / 1e6, "traced_peak_mb": peak / 1e6, "top": top}


def _short(filename: str) -> str:
    """A path relative to the project, site-packages or the standard library."""
    if filename.startswith(str(ROOT)):
        return filename[len(str(ROOT)) + 1 :]
    return re.split(r"site-packages/|lib/python3\.\d+/", filename)[-1]


FRONTENDS = {
    "telegram": ("bot.frontends.on_telegram.app",),
    "both": ("bot.frontends.on_telegram.app", "bot.frontends.on_discord.app"),
}


def import_like_the_service(frontends: str) -> None:
    """What `python -m bot run` imports: the service, then the front-end of each platform with a token."""
    import importlib

    import bot.service  # noqa: F401

    for module in FRONTENDS[frontends]:
        importlib.import_module(module)


def child(mode: str, frontends: str, folder: str) -> None:
    import_like_the_service(frontends)
    if mode == "baseline":
        result: dict[str, Any] = {"peak_mb": peak_rss_mb(), "hwm_mb": hwm_rss_mb()}
    elif mode == "trace":
        result = asyncio.run(traced(Path(folder)))
    else:
        result = asyncio.run(child_work(Path(folder)))
    print(json.dumps(result))


def in_child(mode: str, frontends: str, prepared: Path, scratch: Path) -> dict[str, Any]:
    """Run a child on a fresh copy of the prepared folder (the delivery pass changes the database)."""
    folder = scratch / f"{mode}-{frontends}"
    shutil.copytree(prepared / "data", folder / "data")
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--child", mode, frontends, str(folder)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        shutil.rmtree(folder)
    return json.loads(out.stdout.strip().splitlines()[-1])


async def main() -> list[list[Any]]:
    header(f"peak RSS: {SUBSCRIPTIONS:,} subscriptions + {BRIEFINGS:,} briefings (fresh child process)")
    with temp_dir() as tmp:
        prepared = tmp / "prepared"
        await prepare(prepared)
        db_mb = sum(p.stat().st_size for p in (prepared / "data").iterdir()) / 1e6
        runs: dict[tuple[str, str], dict[str, Any]] = {}
        for frontends in ("telegram", "both"):
            for mode in ("baseline", "work"):
                runs[mode, frontends] = await asyncio.to_thread(in_child, mode, frontends, prepared, tmp)
        trace = await asyncio.to_thread(in_child, "trace", "telegram", prepared, tmp)
    key = "hwm_mb" if runs["work", "telegram"].get("hwm_mb") is not None else "peak_mb"
    labels = {"telegram": "Telegram only (headline)", "both": "Telegram and Discord"}
    rows = []
    for frontends, label in labels.items():
        base, work = runs["baseline", frontends], runs["work", frontends]
        rows += [
            [f"{label}: python + the service's imports", base[key], base["peak_mb"], "-", "-"],
            [
                f"{label}: + Core, library, commands, one delivery pass",
                work[key],
                work["peak_mb"],
                work["briefings"],
                work["delivered"],
            ],
        ]
    table(["process", "peak RSS MB (VmHWM)", "ru_maxrss MB", "briefings", "deliveries"], rows)
    headline, both = runs["work", "telegram"][key], runs["work", "both"][key]
    print(f"database on disk: {db_mb:.1f} MB; goal: peak RSS < 80 MB (Telegram only: {headline:.1f}, both: {both:.1f})")
    print(
        f"\nthe Telegram-only work under tracemalloc (allocations after the imports): {trace['traced_mb']:.1f} MB "
        f"held at the end, {trace['traced_peak_mb']:.1f} MB at the peak; what holds it now:"
    )
    table(["where allocated", "MB", "blocks"], trace["top"])
    print("(ru_maxrss of a child includes its parent's RSS at fork on Linux; VmHWM is this process image only)")
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        run(main)
