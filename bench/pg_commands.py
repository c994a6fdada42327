"""Command latency on PostgreSQL against SQLite, in the same run: p50/p99 of `router.dispatch`
for /summary, /figures and /search Belgorod, on the bundled briefing and on generated ones.

PostgreSQL is a throwaway cluster on 127.0.0.1 (Debian's binaries, as in the tests), or the
database at BENCH_DATABASE_URL if set (it must be empty). In-process, no chat platform.

    .venv/bin/python -m bench.pg_commands [--briefings 1000] [--calls 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.commands.router import CommandRouter
from bot.core import Core
from bot.settings import Settings
from tests.postgres_server import PostgresServer, start_server

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "content" / "kursk-incursion.txt"
CASES = [("summary", ""), ("figures", ""), ("search", "Belgorod")]
CALLER = Caller(platform="telegram", chat_id=1001, user_id=1001)
PLACES = ["Sumy", "Kharkiv", "Bryansk", "Kupiansk", "Pokrovsk", "Toretsk", "Vovchansk", "Lyman"]


def generate(folder: Path, count: int) -> None:
    """Variants of the bundled briefing, each with its own id and date; most lose "Belgorod"."""
    template = BUNDLED.read_text(encoding="utf-8")
    title, _, body = template.partition("\n")
    rng = random.Random(1)
    for i in range(count):
        place = rng.choice(PLACES)
        text = body.replace("Kursk", place)
        if rng.random() < 0.7:
            text = text.replace("Belgorod", rng.choice(PLACES))
        front = f"---\nid: brief-{i:04d}\npublished: 2024-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}\n---\n"
        (folder / f"brief-{i:04d}.txt").write_text(f"{front}{title} near {place}\n{text}", encoding="utf-8")


async def measure(router: CommandRouter, name: str, args: str, calls: int) -> list[float]:
    for _ in range(max(20, calls // 10)):  # warm-up: caches, prepared statements, the pool
        reply = await router.dispatch(CALLER, name, args)
        if not reply.ok:
            raise RuntimeError(f"/{name} {args} failed: {reply}")
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await router.dispatch(CALLER, name, args)
        samples.append(time.perf_counter() - started)
    return samples


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


async def fresh_database(server: PostgresServer | None) -> str:
    if server is None:
        return os.environ["BENCH_DATABASE_URL"]
    name = "bench_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(server.admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return server.url(name)


async def run_backend(settings: Settings, expected: int, calls: int) -> dict[str, list[float]]:
    core = await Core.open(settings)
    try:
        started = time.perf_counter()
        report = await core.reload()
        reload_s = time.perf_counter() - started
        assert report.ok and len(report.added) == expected, report.summary_line()
        router = build_router(core)
        timings = {f"/{name} {args}".rstrip(): await measure(router, name, args, calls) for name, args in CASES}
        timings["(reload, s)"] = [reload_s]
        return timings
    finally:
        await core.close()


async def main(briefings: int = 1000, calls: int = 1000) -> None:
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {platform.platform()} | cpus={os.cpu_count()} | python {platform.python_version()}")
    server = None if os.environ.get("BENCH_DATABASE_URL") else start_server()
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    try:
        if server is not None:
            admin = await asyncpg.connect(server.admin_url)
            version = await admin.fetchval("SHOW server_version")
            await admin.close()
            print(f"postgresql {version} on 127.0.0.1:{server.port} (fsync off, throwaway cluster)")
        for label, count in (("bundled (1)", 0), (f"{briefings:,} briefings", briefings)):
            content = folder / f"content-{count}"
            content.mkdir()
            if count:
                generate(content, count)
            else:
                shutil.copy(BUNDLED, content / BUNDLED.name)
            base = dataclasses.replace(Settings(), content_dir=content, db_path=folder / f"db-{count}.sqlite3")
            sqlite = await run_backend(base, max(1, count), calls)
            pg_url = await fresh_database(server)
            postgres = await run_backend(dataclasses.replace(base, database_url=pg_url), max(1, count), calls)
            print(f"\n== {label}: {calls} calls per command, milliseconds ==")
            print(f"{'case':<18}{'sqlite p50':>12}{'sqlite p99':>12}{'pg p50':>10}{'pg p99':>10}{'pg/sqlite p50':>15}")
            for case in sqlite:
                s, p = [x * 1000 for x in sqlite[case]], [x * 1000 for x in postgres[case]]
                if case.startswith("(reload"):
                    print(
                        f"{'reload (s)':<18}{s[0] / 1000:>12.2f}{'':>12}{p[0] / 1000:>10.2f}{'':>10}"
                        f"{p[0] / s[0]:>15.2f}"
                    )
                    continue
                print(
                    f"{case:<18}{statistics.median(s):>12.3f}{percentile(s, 99):>12.3f}"
                    f"{statistics.median(p):>10.3f}{percentile(p, 99):>10.3f}"
                    f"{statistics.median(p) / statistics.median(s):>15.2f}"
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefings", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=1000)
    options = parser.parse_args()
    asyncio.run(main(options.briefings, options.calls))
