"""The whole service as a subprocess against the fake Bot API: crash safety, clean stop, quiet logs."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from bot.alerts.worker import FLUSH_EVERY
from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.core import Core
from tests.fakes.telegram_api import FakeTelegram
from tests.service_process import start_service

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

SUBSCRIBERS = 300
FIRST_CHAT = 10_000


async def _prepare(settings) -> None:
    core = await Core.open(settings)
    try:
        await core.load_if_empty()
        for i in range(SUBSCRIBERS):
            await core.subscriptions.upsert(
                "telegram",
                FIRST_CHAT + i,
                0,
                mode="instant",
                digest_time=None,
                timezone="UTC",
                keywords=(),
                now=core.clock() - 1,
            )
        reply = await build_router(core).dispatch(
            Caller("console", 0, 0, is_operator=True), "broadcast", "Sirens tonight"
        )
        assert reply.ok
    finally:
        await core.close()


async def _start(settings, fake: FakeTelegram, log: Path) -> asyncio.subprocess.Process:
    return await start_service(
        {
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.root,
            "BOT_DB_PATH": str(settings.db_path),
            "BOT_CONTENT_DIR": str(settings.content_dir),
            "BOT_REFRESH_MINUTES": "0",
            "BOT_LEASE_SECONDS": "1",
            "BOT_DELIVERY_INTERVAL": "0.2",
            "TELEGRAM_MESSAGES_PER_SECOND": "150",  # slow enough that the kill lands mid fan-out
            "BOT_LOG_LEVEL": "DEBUG",
            "BOT_HTTP_LISTEN": "127.0.0.1:0",
        },
        log,
    )


def _delivered(fake: FakeTelegram) -> Counter:
    return Counter(m["chat_id"] for m in fake.sent if m["chat_id"] >= FIRST_CHAT and "Sirens tonight" in m["text"])


async def test_sigkill_mid_fan_out_loses_nothing_and_repeats_only_in_flight(settings, tmp_path):
    async with FakeTelegram() as fake:
        for i in range(SUBSCRIBERS):
            fake.add_user(FIRST_CHAT + i, f"reader{i}")
            fake.add_chat(FIRST_CHAT + i, "private")
        await _prepare(settings)
        log = tmp_path / "service.log"

        first = await _start(settings, fake, log)
        await fake.wait_for(lambda f: len(_delivered(f)) >= 60, timeout=30)
        first.kill()  # SIGKILL: no chance to mark anything
        await first.wait()
        sent_before_kill = _delivered(fake)
        with closing(sqlite3.connect(settings.db_path)) as db, db:
            recorded = {
                chat
                for (chat,) in db.execute(
                    "SELECT s.chat_id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                    "WHERE d.status = 'sent'"
                )
            }
        assert sum(sent_before_kill.values()) < SUBSCRIBERS, "the kill came too late to test anything"
        # Sent but not recorded: what the next process can repeat. Claimed in small batches (at
        # most 4 x the concurrency of 16 unfinished), and finished sends are written back every
        # FLUSH_EVERY.
        in_flight = len(set(sent_before_kill) - recorded)
        assert in_flight <= 64 + FLUSH_EVERY

        second = await _start(settings, fake, log)
        try:
            await fake.wait_for(lambda f: len(_delivered(f)) == SUBSCRIBERS, timeout=60)
        finally:
            second.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(second.wait(), 10)

        counts = _delivered(fake)
        duplicates = sum(n - 1 for n in counts.values())
        assert set(counts) == set(range(FIRST_CHAT, FIRST_CHAT + SUBSCRIBERS))
        assert duplicates <= in_flight
        assert code == 0
        with closing(sqlite3.connect(settings.db_path)) as db, db:
            statuses = dict(db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall())
        assert statuses == {"sent": SUBSCRIBERS}
        output = log.read_text(errors="replace")
        assert fake.token not in output and fake.token.split(":")[1] not in output
        assert "Traceback" not in output


async def test_bad_token_exits_non_zero_with_one_line(settings, tmp_path):
    async with FakeTelegram() as fake:
        fake.set_token_valid(False)
        log = tmp_path / "bad.log"
        proc = await _start(replace(settings), fake, log)
        code = await asyncio.wait_for(proc.wait(), 30)
        output = log.read_text()
        assert code == 1
        assert "TELEGRAM_BOT_TOKEN" in output and "Traceback" not in output
        assert "Unclosed" not in output  # every session opened before the failure is closed
        assert fake.token not in output
