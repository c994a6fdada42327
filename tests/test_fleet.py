"""Three bot processes on one PostgreSQL against the fake Bot API with its limits enforced.

A changed briefing fans out to 3,000 subscribers; the Telegram polling leader is killed with
SIGKILL mid fan-out. Everyone is served, the only repeats are rows the dead process had in
flight, the fleet draws no 429, and a survivor polls Telegram within seconds.

The fake's overall limit is raised from 30 to 150 messages a second, and the bot's setting
with it (the same ratio as in production), so 3,000 messages take ~20 s instead of 100 s.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from bot.alerts.worker import FLUSH_EVERY
from bot.core import Core
from bot.fleet import TELEGRAM_POLLING
from tests.fakes.telegram_api import FakeTelegram, RateLimits
from tests.service_process import start_service

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PROCESSES = 3
SUBSCRIBERS = 3000
FIRST_CHAT = 100_000
OPERATOR = 42  # in the settings fixture's TELEGRAM_ADMIN_IDS
PER_SECOND = 150  # the fake's overall limit and the bot's setting: Telegram's 30, five times
CONCURRENCY = 4  # each process claims 4 x 4 = 16 rows ahead
NEW_POINT = "  • Air-raid sirens sounded over Kursk overnight, officials said."


async def _prepare(settings, url: str) -> None:
    core = await Core.open(replace(settings, database_url=url))
    try:
        await core.load_if_empty()
    finally:
        await core.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(
            "INSERT INTO subscriptions (platform, chat_id, thread_id, mode, timezone, keywords, active, "
            "created_at, updated_at, started_at) VALUES ('telegram', $1, 0, 'instant', 'UTC', '[]', 1, 0, 0, 0)",
            [(FIRST_CHAT + i,) for i in range(SUBSCRIBERS)],
        )
    finally:
        await conn.close()


async def _start(settings, url: str, fake: FakeTelegram, log: Path) -> asyncio.subprocess.Process:
    return await start_service(
        {
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.root,
            "TELEGRAM_ADMIN_IDS": str(OPERATOR),
            "TELEGRAM_MESSAGES_PER_SECOND": str(PER_SECOND),
            "TELEGRAM_CONCURRENCY": str(CONCURRENCY),
            "BOT_DATABASE_URL": url,
            "BOT_CONTENT_DIR": str(settings.content_dir),
            "BOT_REFRESH_MINUTES": "0",
            "BOT_DELIVERY_INTERVAL": "0.2",
            "BOT_CLAIM_SECONDS": "5",  # a dead process's rows come back after this
            "BOT_HTTP_LISTEN": "off",
            "BOT_LOG_LEVEL": "INFO",
        },
        log,
    )


async def _until(check, patience: float, what: str):
    """Poll `check()` (async) until it answers truthy, or fail after `patience` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not within {patience:.0f} s: {what}")
        await asyncio.sleep(0.1)


def _delivered(fake: FakeTelegram) -> Counter:
    return Counter(m["chat_id"] for m in fake.sent if m["chat_id"] >= FIRST_CHAT)


def _get_updates_since(fake: FakeTelegram, index: int) -> int:
    return sum(1 for method, _ in fake.calls[index:] if method == "getupdates")


async def test_three_processes_share_the_limits_and_survive_a_killed_leader(settings, pg_url, tmp_path):
    limits = RateLimits(global_per_second=PER_SECOND)
    async with FakeTelegram(enforce_limits=True, limits=limits) as fake:
        fake.add_user(OPERATOR, "Operator")
        fake.add_chat(OPERATOR, "private")
        for i in range(SUBSCRIBERS):
            fake.add_user(FIRST_CHAT + i, f"reader{i}")
            fake.add_chat(FIRST_CHAT + i, "private")
        await _prepare(settings, pg_url)
        db = await asyncpg.connect(pg_url)
        logs = [tmp_path / f"bot{i}.log" for i in range(PROCESSES)]
        procs = [await _start(settings, pg_url, fake, log) for log in logs]
        try:

            async def all_running() -> bool:
                return all("running:" in log.read_text(errors="replace") for log in logs)

            await _until(all_running, 40, "three processes joined the fleet")
            leader_row = await _until(
                lambda: db.fetchrow("SELECT pid, roles FROM processes WHERE roles LIKE $1", f"%{TELEGRAM_POLLING}%"),
                10,
                "a polling leader",
            )
            rows = await db.fetch("SELECT pid, roles FROM processes")
            assert len(rows) == PROCESSES and all("delivering" in r["roles"] for r in rows)
            assert sum(TELEGRAM_POLLING in r["roles"] for r in rows) == 1

            # A changed briefing, reloaded by an operator through the polling leader.
            briefing = settings.content_dir / "kursk-incursion.txt"
            text = briefing.read_text(encoding="utf-8")
            marker = "Developments:\n\n"
            assert marker in text
            briefing.write_text(text.replace(marker, marker + NEW_POINT + "\n"), encoding="utf-8")
            await fake.wait_polling(timeout=10)
            fake.user_message(OPERATOR, OPERATOR, "/reload")
            [answer] = await fake.wait_sent(1, chat_id=OPERATOR, timeout=15)
            assert "1 changed" in answer["text"], answer["text"]

            await fake.wait_for(lambda f: len(_delivered(f)) >= SUBSCRIBERS // 3, timeout=40)
            leader = next(p for p in procs if p.pid == leader_row["pid"])
            calls_at_kill = len(fake.calls)
            leader.kill()  # SIGKILL: no chance to mark anything or let the lock go
            await leader.wait()
            in_flight = {r["id"] for r in await db.fetch("SELECT d.id FROM deliveries d WHERE status = 'sending'")}
            served_at_kill = len(_delivered(fake))
            assert served_at_kill < SUBSCRIBERS, "the kill came too late to test anything"

            # A survivor polls Telegram within 10 s (the server dropped the dead session's lock).
            await fake.wait_for(lambda f: _get_updates_since(f, calls_at_kill) > 0, timeout=10)

            async def new_leader():
                return await db.fetchrow(
                    "SELECT pid FROM processes WHERE roles LIKE $1 AND pid <> $2", f"%{TELEGRAM_POLLING}%", leader.pid
                )

            await _until(new_leader, 10, "a survivor listed as the polling leader")

            await fake.wait_for(lambda f: len(_delivered(f)) == SUBSCRIBERS, timeout=60)
            survivors = [p for p in procs if p is not leader]
            for proc in survivors:
                proc.send_signal(signal.SIGTERM)
            codes = [await asyncio.wait_for(p.wait(), 15) for p in survivors]
        finally:
            for proc in procs:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()

        counts = _delivered(fake)
        assert set(counts) == set(range(FIRST_CHAT, FIRST_CHAT + SUBSCRIBERS))
        repeated = {chat for chat, n in counts.items() if n > 1}
        repeated_deliveries = {
            r["id"]
            for r in await db.fetch(
                "SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                "WHERE s.chat_id = ANY($1::bigint[])",
                list(repeated),
            )
        }
        # Only what the dead process had claimed and maybe sent can go out twice.
        assert repeated_deliveries <= in_flight
        # At most what one process holds unmarked: its claimed rows plus its unflushed outcomes.
        assert sum(n - 1 for n in counts.values()) <= min(len(in_flight), 4 * CONCURRENCY + FLUSH_EVERY)
        assert fake.too_many_requests == 0, [(r["params"].get("chat_id"), r["description"]) for r in fake.rejected][:20]
        assert any("sirens" in m["text"].lower() for m in fake.sent_to(FIRST_CHAT))
        statuses = dict(await db.fetch("SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
        assert statuses == {"sent": SUBSCRIBERS}
        assert codes == [0] * len(codes)
        await db.close()
        for log in logs:
            output = log.read_text(errors="replace")
            assert "Traceback" not in output, output[-2000:]
            assert fake.token.split(":")[1] not in output
