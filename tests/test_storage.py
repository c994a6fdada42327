"""Storage on real SQLite files: migrations, versioning, atomic reloads, search, concurrency."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from bot.briefing.model import Briefing
from storage import BriefingRepository, Database, SubscriptionRepository
from storage.briefings import NewVersion, save_version
from storage.database import migration_files


def _briefing(bid: str, title: str, summary: str = "Lead sentence.") -> Briefing:
    return Briefing(id=bid, title=title, summary=summary, paragraphs=(summary, "Another paragraph about Kursk."))


async def _save(db: Database, b: Briefing, file_hash: str = "f") -> tuple[int, dict | None]:
    async with db.transaction() as conn:
        return await save_version(
            conn, NewVersion(b.id, b.to_json(), b.content_hash(), file_hash, f"{b.id}.txt", b.sentences()), 1.0
        )


async def test_fresh_database_has_every_migration(tmp_path: Path):
    db = await Database.open(tmp_path / "a.sqlite3")
    try:
        assert await db.schema_version() == migration_files()[-1][0]
        assert await db.scalar("PRAGMA journal_mode") == "wal"
        assert await db.scalar("PRAGMA foreign_keys") == 1
    finally:
        await db.close()


async def test_old_database_upgrades_in_place(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    old = await Database.open(path, migrate_to=1)
    subs = SubscriptionRepository(old)
    # Version 1 knew subscriptions without started_at; write one the way it did.
    async with old.transaction() as conn:
        await conn.execute(
            "INSERT INTO subscriptions (platform, chat_id, thread_id, created_at, updated_at) VALUES ('telegram', 5, 0, 10, 10)"
        )
    assert await old.schema_version() == 1
    await old.close()

    new = await Database.open(path)
    try:
        assert await new.schema_version() == migration_files()[-1][0]
        sub = await SubscriptionRepository(new).get("telegram", 5)
        assert sub is not None and sub.started_at == 10 and sub.active
        assert await new.scalar("SELECT COUNT(*) FROM deliveries") == 0
    finally:
        await new.close()
    del subs


async def test_versions_are_kept_and_unchanged_content_writes_nothing(tmp_path: Path):
    db = await Database.open(tmp_path / "v.sqlite3")
    try:
        first, prev = await _save(db, _briefing("a", "Title one"))
        assert first > 0 and prev is None
        again, prev = await _save(db, _briefing("a", "Title one"), file_hash="other bytes")
        assert again == 0 and prev["title"] == "Title one"
        second, prev = await _save(db, _briefing("a", "Title two"))
        assert second > first and prev["title"] == "Title one"
        assert await db.scalar("SELECT COUNT(*) FROM briefing_versions") == 2
        repo = BriefingRepository(db)
        assert (await repo.get("a")).data["title"] == "Title two"
        assert (await repo.previous("a", second))["title"] == "Title one"
    finally:
        await db.close()


async def test_search_marks_words_and_ignores_fts_syntax(tmp_path: Path):
    db = await Database.open(tmp_path / "s.sqlite3")
    try:
        await _save(db, _briefing("a", "T", "Evacuations continue in Belgorod."))
        repo = BriefingRepository(db)
        hits = await repo.search(["belgorod"])
        assert [h.sentence for h in hits] == ["Evacuations continue in Belgorod."]
        assert "\x02Belgorod\x03" in hits[0].marked
        assert await repo.search(['NEAR(" *']) == []
        # No sentence has both words: any of them will do.
        assert len(await repo.search(["belgorod", "kursk"])) == 2
    finally:
        await db.close()


async def test_failed_transaction_leaves_nothing(tmp_path: Path):
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await save_version(conn, NewVersion("x", _briefing("x", "X").to_json(), "h", "f", None, ["s"]), 1.0)
                raise RuntimeError("boom")
        assert await db.scalar("SELECT COUNT(*) FROM briefings") == 0
        assert await db.scalar("SELECT COUNT(*) FROM sentences") == 0
    finally:
        await db.close()


async def test_concurrent_writers_do_not_commit_each_others_work(tmp_path: Path):
    db = await Database.open(tmp_path / "c.sqlite3")
    gate = asyncio.Event()

    async def slow_then_fail():
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO service_state (key, value) VALUES ('half', 'done')")
                gate.set()
                await asyncio.sleep(0)  # let the other task try to write meanwhile
                raise RuntimeError

    async def other_writer():
        await gate.wait()
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO service_state (key, value) VALUES ('other', 'x')")

    try:
        await asyncio.gather(slow_then_fail(), other_writer())
        rows = await db.fetchall("SELECT key FROM service_state ORDER BY key")
        assert [r[0] for r in rows] == ["other"]
    finally:
        await db.close()


async def test_another_process_commit_changes_data_version(tmp_path: Path):
    path = tmp_path / "d.sqlite3"
    db = await Database.open(path)
    try:
        before = await db.data_version()
        with sqlite3.connect(path) as other:  # a second process would look just like this
            other.execute("INSERT INTO service_state (key, value) VALUES ('k', ?)", (json.dumps(1),))
        assert await db.data_version() != before
    finally:
        await db.close()
