"""Storage on both backends (a real SQLite file, a real PostgreSQL database): migrations,
versioning, atomic reloads, search, concurrency, the repositories' writes."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.briefing.model import Briefing
from storage import BriefingRepository, Database, SubscriptionRepository, open_database
from storage.briefings import NewVersion, save_version
from storage.database import migration_files
from storage.outbox import NewAlert, OutboxRepository
from storage.url import is_postgres_url


def _briefing(bid: str, title: str, summary: str = "Lead sentence.") -> Briefing:
    return Briefing(id=bid, title=title, summary=summary, paragraphs=(summary, "Another paragraph about Kursk."))


def _new(b: Briefing, file_hash: str = "f") -> NewVersion:
    return NewVersion(b.id, b.to_json(), b.content_hash(), file_hash, f"{b.id}.txt", b.sentences())


async def _save(db: Database, b: Briefing, file_hash: str = "f") -> tuple[int, dict | None]:
    async with db.transaction() as tx:
        return await save_version(tx, _new(b, file_hash), 1.0)


def _backend(target: str | Path) -> str:
    return "postgres" if is_postgres_url(target) else "sqlite"


@pytest.fixture
async def db(db_target):
    database = await open_database(db_target)
    try:
        yield database
    finally:
        await database.close()


async def test_fresh_database_has_every_migration(db_target):
    db = await open_database(db_target)
    try:
        assert await db.schema_version() == migration_files(_backend(db_target))[-1][0]
        assert await db.scalar("SELECT COUNT(*) FROM deliveries") == 0
    finally:
        await db.close()


async def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path):
    db = await open_database(tmp_path / "a.sqlite3")
    try:
        assert await db.scalar("PRAGMA journal_mode") == "wal"
        assert await db.scalar("PRAGMA foreign_keys") == 1
    finally:
        await db.close()


async def test_old_database_upgrades_in_place(db_target):
    old = await open_database(db_target, migrate_to=1)
    # Version 1 knew subscriptions without started_at; write one the way it did.
    async with old.transaction() as tx:
        await tx.execute(
            "INSERT INTO subscriptions (platform, chat_id, thread_id, created_at, updated_at) "
            "VALUES ('telegram', 5, 0, 10, 10)"
        )
    assert await old.schema_version() == 1
    await old.close()

    new = await open_database(db_target)
    try:
        assert await new.schema_version() == migration_files(_backend(db_target))[-1][0]
        sub = await SubscriptionRepository(new).get("telegram", 5)
        assert sub is not None and sub.started_at == 10 and sub.active
    finally:
        await new.close()


async def test_processes_starting_together_migrate_once(db_target):
    """Two opens at the same moment on an empty database: both succeed, on the final schema."""
    first, second = await asyncio.gather(open_database(db_target), open_database(db_target))
    try:
        expected = migration_files(_backend(db_target))[-1][0]
        assert await first.schema_version() == expected == await second.schema_version()
        await _save(first, _briefing("a", "Title"))
        assert (await BriefingRepository(second).get("a")).data["title"] == "Title"
    finally:
        await first.close()
        await second.close()


async def test_versions_are_kept_and_unchanged_content_writes_nothing(db):
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
    assert await repo.file_hashes() == {"a.txt": ("a", "f")}
    assert await repo.fingerprint() == (1, second)


async def test_search_marks_words_and_ignores_query_syntax(db):
    await _save(db, _briefing("a", "T", "Evacuations continue in Belgorod."))
    await _save(db, _briefing("b", "T", "Shelling or drones near Sumy."))
    repo = BriefingRepository(db)
    hits = await repo.search(["belgorod"])
    assert [h.sentence for h in hits] == ["Evacuations continue in Belgorod."]
    assert "\x02Belgorod\x03" in hits[0].marked
    assert [h.briefing_id for h in await repo.search(["BELGOROD"], briefing_id="b")] == []
    # No sentence has both words: any of them will do, best match first (SQLite's bm25 weighs
    # the rarer word higher; PostgreSQL's ts_rank counts matches, not their rarity).
    either = await repo.search(["belgorod", "kursk"])
    assert len(either) == 3
    if db.dialect.name == "sqlite":
        assert either[0].sentence == "Evacuations continue in Belgorod."
    # Operators and quotes typed by a user are words, not syntax.
    for hostile in (
        ['NEAR(" *'],
        ['"'],
        ["'"],
        ["-belgorod"],
        ["or"],
        ["a" * 5000],
        ["x"] * 500,
        ["AND", "OR"],
        ["belgorod OR"],
        ["\x00"],
        ["*"],
        ["(", ")"],
    ):
        hits = await repo.search(hostile)
        assert all(h.briefing_id in {"a", "b"} for h in hits)
    assert [h.sentence for h in await repo.search(["or"])] == ["Shelling or drones near Sumy."]
    assert [h.briefing_id for h in await repo.search(['"Belgorod'])] == ["a"]


async def test_failed_transaction_leaves_nothing(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await save_version(tx, NewVersion("x", _briefing("x", "X").to_json(), "h", "f", None, ["s"]), 1.0)
            raise RuntimeError("boom")
    assert await db.scalar("SELECT COUNT(*) FROM briefings") == 0
    assert await db.scalar("SELECT COUNT(*) FROM sentences") == 0


async def test_concurrent_writers_do_not_commit_each_others_work(db):
    gate = asyncio.Event()

    async def slow_then_fail():
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO service_state (key, value) VALUES ('half', 'done')")
                gate.set()
                await asyncio.sleep(0)  # let the other task try to write meanwhile
                raise RuntimeError

    async def other_writer():
        await gate.wait()
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO service_state (key, value) VALUES ('other', 'x')")

    await asyncio.gather(slow_then_fail(), other_writer())
    rows = await db.fetchall("SELECT key FROM service_state ORDER BY key")
    assert [r[0] for r in rows] == ["other"]


async def test_another_process_changing_briefings_changes_data_version(db_target):
    db = await open_database(db_target)
    other = await open_database(db_target)  # a second process would look just like this
    try:
        before = await db.data_version()
        assert await db.data_version() == before
        await BriefingRepository(other).publish([_new(_briefing("a", "A"))], 5.0)
        assert await db.data_version() != before
    finally:
        await other.close()
        await db.close()


async def test_sqlite_sees_a_foreign_commit_in_data_version(tmp_path: Path):
    path = tmp_path / "d.sqlite3"
    db = await open_database(path)
    try:
        before = await db.data_version()
        with closing(sqlite3.connect(path)) as other, other:
            other.execute("INSERT INTO service_state (key, value) VALUES ('k', '1')")
        assert await db.data_version() != before
    finally:
        await db.close()


async def test_subscriptions_upsert_returns_what_it_wrote_and_move_keeps_conflicts(db):
    subs = SubscriptionRepository(db)
    sub, started = await subs.upsert(
        "telegram", -100123456789012, 7, mode="instant", digest_time=None, timezone="UTC", keywords=("kursk",), now=10.0
    )
    assert started and sub.chat_id == -100123456789012 and sub.keywords == ("kursk",) and sub.started_at == 10.0
    again, started = await subs.upsert(
        "telegram",
        -100123456789012,
        7,
        mode="daily",
        digest_time="08:00",
        timezone="Europe/Kyiv",
        keywords=(),
        now=20.0,
    )
    assert not started and again.id == sub.id and again.mode == "daily" and again.started_at == 10.0
    assert await subs.deactivate_chat("telegram", -100123456789012, "blocked", 30.0) == 1
    revived, started = await subs.upsert(
        "telegram", -100123456789012, 7, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=40.0
    )
    assert started and revived.started_at == 40.0 and revived.active
    await subs.upsert("telegram", 1, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=1.0)
    await subs.upsert("telegram", 1, 7, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=1.0)
    await subs.upsert("telegram", 2, 7, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=1.0)
    # Chat 1 becomes chat 2, which already has thread 7: that row stays behind, thread 0 moves.
    assert await subs.move_chat("telegram", 1, 2, 50.0) == 1
    assert await subs.get("telegram", 2, 0) is not None and await subs.get("telegram", 1, 7) is not None
    assert await subs.counts() == (4, 0)
    assert await subs.remove("telegram", 1, 7) and not await subs.remove("telegram", 1, 7)


async def test_outbox_fans_out_once_and_claims_each_row_once(db):
    subs = SubscriptionRepository(db)
    for chat in (1, 2, 3):
        await subs.upsert(
            "telegram",
            chat,
            0,
            mode="instant",
            digest_time=None,
            timezone="UTC",
            keywords=("kursk",) if chat == 3 else (),
            now=1.0,
        )
    outbox = OutboxRepository(db)
    alert = NewAlert("new", "k1", {"title": "T"}, search_text="News from Belgorod")
    assert await outbox.enqueue(alert, 5.0) == 2  # chat 3 wants kursk only
    assert await outbox.enqueue(alert, 6.0) == 0  # the same content never alerts twice
    claimed = await outbox.claim_due(10.0, 10, ["telegram"])
    assert sorted(d.chat_id for d in claimed) == [1, 2] and {d.attempts for d in claimed} == {1}
    assert claimed[0].payload == {"title": "T"}
    assert await outbox.claim_due(10.0, 10, ["telegram"]) == []
    await outbox.finish([(claimed[0].id, claimed[0].subscription_id)], [(claimed[1].id, 20.0, "busy")], [], 11.0)
    stats = await outbox.stats(11.0)
    assert stats.pending == 1 and stats.sent_last_hour == 1
    assert await outbox.next_due_at(["telegram"]) == 20.0 and await outbox.next_due_at(["discord"]) is None
    retried = await outbox.claim_due(20.0, 10, ["telegram"])
    assert [(d.id, d.attempts) for d in retried] == [(claimed[1].id, 2)]
    assert await outbox.acquire_lease("delivery", "me", 15, 100.0)
    assert not await outbox.acquire_lease("delivery", "you", 15, 101.0)
    assert await outbox.acquire_lease("delivery", "you", 15, 116.0)


async def _outbox_with_deliveries(db: Database, chats: int) -> OutboxRepository:
    subs = SubscriptionRepository(db)
    for chat in range(1, chats + 1):
        await subs.upsert("telegram", chat, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=1.0)
    outbox = OutboxRepository(db)
    assert await outbox.enqueue(NewAlert("new", "k1", {"title": "T"}), 5.0) == chats
    return outbox


async def test_sqlite_outcomes_wait_for_another_process_holding_the_file(tmp_path: Path):
    # The outbox's short writes run on the event loop's thread without waiting for locks;
    # when another process holds the file they wait for it off the loop, and still succeed.
    db = await open_database(tmp_path / "a.sqlite3")
    try:
        outbox = await _outbox_with_deliveries(db, 3)
        with closing(sqlite3.connect(tmp_path / "a.sqlite3", isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            claimed = await asyncio.wait_for(outbox.claim_due(10.0, 10, ["telegram"]), timeout=10)  # a read
            assert sorted(d.chat_id for d in claimed) == [1, 2, 3]
            sent, failed = [(d.id, d.subscription_id) for d in claimed[:2]], [(claimed[2].id, "gone")]
            finish = asyncio.create_task(outbox.finish(sent, [], failed, 11.0))  # two statements
            probe = await outbox.stats(10.0)  # the loop is not blocked: reads still answer
            assert probe.pending == 3 and not finish.done()
            other.execute("COMMIT")
        await asyncio.wait_for(finish, timeout=10)
        stats = await outbox.stats(11.0)
        assert (stats.pending, stats.sent_last_hour, stats.failed_last_hour) == (0, 2, 1)
    finally:
        await db.close()


async def test_sqlite_claims_live_in_memory_until_finished_or_released(tmp_path: Path):
    # One process holds the delivery lease, so a claim writes nothing: its rows stay 'pending'
    # in the file and are kept out of later claims until their outcome is written, or until
    # the lease is taken again (what a new process does after a crash).
    db = await open_database(tmp_path / "a.sqlite3")
    try:
        outbox = await _outbox_with_deliveries(db, 4)
        first = await outbox.claim_due(10.0, 2, ["telegram"])
        rest = await outbox.claim_due(10.0, 10, ["telegram"])
        assert [d.chat_id for d in first] == [1, 2] and [d.chat_id for d in rest] == [3, 4]
        assert [tuple(r) for r in await db.fetchall("SELECT DISTINCT status FROM deliveries")] == [("pending",)]
        assert await outbox.claim_due(10.0, 10, ["telegram"]) == []
        await outbox.finish([(first[0].id, first[0].subscription_id)], [(first[1].id, 10.0, "busy")], [], 10.0)
        [again] = await outbox.claim_due(10.0, 10, ["telegram"])  # the retry is due at once
        assert (again.id, again.attempts) == (first[1].id, 2)
        assert await outbox.release_in_flight() == 3  # chats 2, 3 and 4: forgotten, due again
        assert sorted(d.chat_id for d in await outbox.claim_due(10.0, 10, ["telegram"])) == [2, 3, 4]
        # A second database over the same file (another process) does not see this one's claims.
        other = await open_database(tmp_path / "a.sqlite3")
        try:
            assert len(await OutboxRepository(other).claim_due(10.0, 10, ["telegram"])) == 3
        finally:
            await other.close()
    finally:
        await db.close()


async def test_sqlite_write_ahead_log_stays_bounded_under_outbox_writes(tmp_path: Path):
    # The loop-thread writer never checkpoints itself (an fsync would stall the loop); the
    # database starts passive checkpoints on its other thread, so the log does not grow
    # with the number of deliveries.
    path = tmp_path / "a.sqlite3"
    db = await open_database(path)
    try:
        outbox = await _outbox_with_deliveries(db, 400)
        wal = path.with_name(path.name + "-wal")
        sizes = []
        for now in range(10, 2010):  # 2,000 claims and finishes of a few rows each
            claimed = await outbox.claim_due(float(now), 4, ["telegram"])
            await outbox.finish([], [(d.id, now + 0.5, "again") for d in claimed], [], float(now))
            sizes.append(wal.stat().st_size)
        page = await db.scalar("PRAGMA page_size")
        assert max(sizes) < 2000 * page, max(sizes)  # about 2 pages a statement: 8,000 without checkpoints
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("SELECT SUM(attempts) FROM deliveries").fetchone()[0] == 2000 * 4
    finally:
        await db.close()


async def test_claims_keep_every_alert_of_a_batch_when_the_alert_cache_is_emptied(tmp_path: Path, monkeypatch):
    import storage.outbox

    monkeypatch.setattr(storage.outbox, "CACHED_ALERTS", 1)
    db = await open_database(tmp_path / "a.sqlite3")
    try:
        outbox = await _outbox_with_deliveries(db, 2)  # alert "k1" to chats 1 and 2
        [first] = await outbox.claim_due(10.0, 1, ["telegram"])  # k1 is cached now
        assert await outbox.enqueue(NewAlert("new", "k2", {"title": "U"}), 6.0) == 2
        claimed = await outbox.claim_due(10.0, 10, ["telegram"])  # k1 and k2: more than the cache holds
        assert sorted(d.payload["title"] for d in claimed) == ["T", "U", "U"]
        assert first.payload == {"title": "T"}
    finally:
        await db.close()
