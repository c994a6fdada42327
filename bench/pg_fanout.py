"""Fan-out with limits lifted: one broadcast to 10,000 Telegram chats, on SQLite with one process
and on PostgreSQL with one, two and four processes, each a separate OS process running the
bot's DeliveryWorker (claims, the real TelegramSender, outcomes written back) as the service
does on PostgreSQL: no lease, SKIP LOCKED claims.

The fake Bot API runs in its own child process (limits off, calls not recorded).
PostgreSQL is a throwaway cluster on 127.0.0.1 (Debian's binaries, as in the tests). Printed
per run: wall time, messages a second, each bot process's CPU seconds and share of the
messages, and the PostgreSQL server's CPU (all its processes, read from /proc).

    .venv/bin/python -m bench.pg_fanout [--chats 10000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import TELEGRAM_TOKEN, header, queue_one_broadcast, table, temp_dir, temp_settings
from bench.fake_process import FakeInChild
from bot.settings import Settings
from tests.postgres_server import PostgresServer, start_server

CHATS = 10_000
PROCESS_COUNTS = (1, 2, 4)


def _postgres_cpu(server: PostgresServer) -> float:
    """CPU seconds used so far by every process of the cluster (postmaster and backends)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if b"postgres" not in cmdline and not _is_backend(entry):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _is_backend(entry: Path) -> bool:
    try:
        return (entry / "comm").read_text().strip() == "postgres"
    except OSError:
        return False


def _worker(settings: Settings, go: Any, done: Any, conn: Connection) -> None:
    """A child: one DeliveryWorker draining the outbox from `go`; reports (messages, CPU seconds),
    then stays connected until `done`."""
    asyncio.run(_drain(settings, go, done, conn))


async def _drain(settings: Settings, go: Any, done: Any, conn: Connection) -> None:
    from bench.common import quiet_logs, telegram_bot, unlimited
    from bot.alerts.worker import DeliveryWorker
    from bot.core import Core
    from bot.frontends.on_telegram.sender import TelegramSender

    quiet_logs()
    core = await Core.open(settings)
    try:
        async with telegram_bot(core) as bot:
            worker = DeliveryWorker(
                core,
                {"telegram": TelegramSender(bot)},
                unlimited("telegram"),
                concurrency={"telegram": settings.telegram_concurrency},
            )
            conn.send("ready")
            await asyncio.to_thread(go.wait)
            cpu = time.process_time()
            sent = 0
            while True:
                attempted = await worker.run_once()
                sent += attempted
                if not attempted:
                    break
            conn.send((sent, time.process_time() - cpu))
            await asyncio.to_thread(done.wait)  # the server's backends live until their CPU is read
    finally:
        await core.close()


async def fanout(settings: Settings, processes: int, chats: int, server: PostgresServer | None) -> dict[str, Any]:
    from bot.core import Core

    core = await Core.open(settings)
    try:
        await _subscribe(core, settings, chats)
        assert await queue_one_broadcast(core) == chats
    finally:
        await core.close()
    context = multiprocessing.get_context("spawn")
    go, done = context.Event(), context.Event()
    pipes, children = [], []
    for _ in range(processes):
        parent_end, child_end = context.Pipe()
        child = context.Process(target=_worker, args=(settings, go, done, child_end), daemon=True)
        child.start()
        child_end.close()
        pipes.append(parent_end)
        children.append(child)
    for pipe in pipes:
        assert await asyncio.to_thread(pipe.recv) == "ready"
    pg_cpu = _postgres_cpu(server) if server else 0.0
    started = time.perf_counter()
    go.set()
    results = [await asyncio.to_thread(pipe.recv) for pipe in pipes]
    seconds = time.perf_counter() - started
    pg_cpu = _postgres_cpu(server) - pg_cpu if server else 0.0
    done.set()
    for child in children:
        child.join(10)
    sent = sum(r[0] for r in results)
    return {"seconds": seconds, "sent": sent, "per_process": results, "pg_cpu": pg_cpu}


async def _subscribe(core: Any, settings: Settings, chats: int) -> None:
    at = time.time() - 60
    rows = [("telegram", chat_id, at, at, at) for chat_id in range(1, chats + 1)]
    sql = (
        "INSERT INTO subscriptions (platform, chat_id, thread_id, mode, timezone, keywords, active, "
        "created_at, updated_at, started_at) VALUES (?, ?, 0, 'instant', 'UTC', '[]', 1, ?, ?, ?)"
    )
    if settings.database_url:
        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.executemany(sql.replace("?", "${}").format(*range(1, 6)), rows)
        finally:
            await conn.close()
    else:
        import sqlite3
        from contextlib import closing

        with closing(sqlite3.connect(settings.db_path)) as conn, conn:
            conn.executemany(sql, rows)


async def new_database(server: PostgresServer) -> str:
    name = "bench_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(server.admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')  # a name made here, not input
    finally:
        await admin.close()
    return server.url(name)


async def main(chats: int = CHATS, concurrency: int = 32) -> None:
    header(f"Fan-out to {chats:,} Telegram chats, limits lifted: SQLite and PostgreSQL with 1/2/4 processes")
    server = await asyncio.to_thread(start_server)
    rows = []
    try:
        async with FakeInChild("telegram", chats) as fake:
            runs: list[tuple[str, int, str]] = [("SQLite", 1, "")]
            runs += [("PostgreSQL", n, "pg") for n in PROCESS_COUNTS]
            for backend, processes, kind in runs:
                with temp_dir() as folder:
                    settings = temp_settings(
                        folder,
                        telegram_token=TELEGRAM_TOKEN,
                        telegram_api_url=fake.root,
                        telegram_concurrency=concurrency,
                    )
                    if kind:
                        settings = dataclasses.replace(settings, database_url=await new_database(server))
                    before = await fake.accepted()
                    result = await fanout(settings, processes, chats, server if kind else None)
                    arrived = await fake.accepted() - before
                assert arrived == chats and result["sent"] == chats, (arrived, result)
                cpus = [cpu for _, cpu in result["per_process"]]
                shares = [sent for sent, _ in result["per_process"]]
                rows.append(
                    [
                        f"{backend}, {processes} process{'es' if processes > 1 else ''}",
                        result["seconds"],
                        chats / result["seconds"],
                        " / ".join(f"{c:.1f}" for c in cpus),
                        sum(cpus) / chats * 1e6,
                        " / ".join(str(s) for s in shares),
                        result["pg_cpu"] if kind else "-",
                    ]
                )
    finally:
        await asyncio.to_thread(server.stop)
    table(
        [
            "run",
            "seconds",
            "msgs/s",
            "CPU s per bot process",
            "bot CPU µs/msg",
            "messages per process",
            "PostgreSQL CPU s",
        ],
        rows,
    )
    print(
        f"each bot process: DeliveryWorker with concurrency {concurrency}, limits lifted; "
        f"{os.cpu_count()} cores shared by the bot processes, PostgreSQL and the fake"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=CHATS)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    from bench.common import run

    run(lambda: main(args.chats, args.concurrency))
