"""`db copy`: a populated SQLite file into an empty PostgreSQL database, then the bot on it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core import Core
from storage import (
    AuditEntry,
    AuditRepository,
    BriefingRepository,
    StateRepository,
    SubscriptionRepository,
    open_database,
)
from storage.copy import TargetNotEmpty, copy_database
from storage.feeds import StoredItem
from storage.outbox import NewAlert

ROOT = Path(__file__).resolve().parent.parent


async def _populate(settings) -> None:
    core = await Core.open(settings)
    try:
        await core.subscriptions.upsert(
            "telegram", -1001234567890, 3, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=1.0
        )
        await core.subscriptions.upsert(
            "discord", 77, 0, mode="daily", digest_time="08:00", timezone="Europe/Kyiv", keywords=("kursk",), now=1.0
        )
        await core.reload()  # the bundled briefing: versions, sentences, an alert and its delivery
        await core.outbox.enqueue(NewAlert("broadcast", "b1", {"text": "hi"}), 3.0, everyone=True)
        await core.audit.record(AuditEntry(4.0, "telegram", 42, -1001234567890, "reload", "", "ok"))
        await core.state.set("last_refresh_at", "123.0")
        feed = await core.feeds.repo.add(
            "https://news.example/rss", "World", 15, pages=True, kind="feed", next_due=5.0, now=5.0
        )
        await core.feeds.repo.remember(feed.id, StoredItem("guid:1", "kursk-incursion", "h", None, None, None))
    finally:
        await core.close()


async def test_copy_moves_everything_and_the_bot_runs_on_it(settings, pg_url):
    await _populate(settings)
    source = await open_database(settings.db_path)
    target = await open_database(pg_url)
    try:
        counts = await copy_database(source, target)
        for table in (
            "briefings",
            "briefing_versions",
            "sentences",
            "subscriptions",
            "alerts",
            "deliveries",
            "audit",
            "service_state",
            "feeds",
            "feed_items",
        ):
            assert counts[table] == await source.scalar(f"SELECT COUNT(*) FROM {table}") > 0, table
        assert counts["deliveries"] == await target.scalar("SELECT COUNT(*) FROM deliveries") >= 3
        with pytest.raises(TargetNotEmpty):
            await copy_database(source, target)
        assert await target.scalar("SELECT COUNT(*) FROM briefings") == counts["briefings"]  # untouched
        # Sequences continue above the copied ids: new rows do not collide.
        sub, started = await SubscriptionRepository(target).upsert(
            "telegram", 5, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=9.0
        )
        assert started and sub.id > counts["subscriptions"]
        await AuditRepository(target).record(AuditEntry(9.0, "console", None, None, "status", "", "ok"))
        assert await StateRepository(target).get("last_refresh_at") == "123.0"
        original = await BriefingRepository(source).get("kursk-incursion")
        copied = await BriefingRepository(target).get("kursk-incursion")
        assert copied == original
    finally:
        await source.close()
        await target.close()

    core = await Core.open(replace(settings, database_url=pg_url))
    try:
        assert await core.load_if_empty() is None  # the copied briefings are there
        entry = await core.library.find(None)
        assert entry is not None and entry.briefing.id == "kursk-incursion"
        hits = await core.library.search(["Kursk"])
        assert hits and all("\x02" in hit.marked for hit, _ in hits)
        pending = await core.outbox.claim_due(core.clock() + 60, 100, ["telegram", "discord"])
        assert sorted((d.kind, d.chat_id) for d in pending) == [
            ("broadcast", -1001234567890),
            ("broadcast", 77),
            ("new", -1001234567890),
        ]
    finally:
        await core.close()


def test_the_command_copies_and_refuses_a_second_time(settings, pg_url):
    import asyncio

    asyncio.run(_populate(settings))
    env = {**os.environ, "BOT_DB_PATH": str(settings.db_path), "BOT_CONTENT_DIR": str(settings.content_dir)}
    env.pop("BOT_DATABASE_URL", None)
    command = [sys.executable, "-m", "bot", "db", "copy", "--to", pg_url]
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "briefings: 1" in first.stdout and "subscriptions: 2" in first.stdout
    assert "s3cret-pw" not in first.stdout + first.stderr and "***" in first.stdout
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [
        "error: the target database is not empty (rows in briefings, briefing_versions, sentences, subscriptions, "
        "alerts, feeds, feed_items, deliveries, audit, service_state); copy only into an empty database"
    ]
    wrong = subprocess.run(
        [*command[:-1], "sqlite:///x"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    no_file = subprocess.run(
        command,
        cwd=ROOT,
        env={**env, "BOT_DB_PATH": str(settings.db_path) + ".gone"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert no_file.returncode == 1 and len(no_file.stderr.strip().splitlines()) == 1
    assert "there is no SQLite file" in no_file.stderr
