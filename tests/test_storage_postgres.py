"""PostgreSQL for several processes, against a real server: SKIP LOCKED claims that expire,
advisory-lock leadership, LISTEN/NOTIFY, and a password that never shows."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import asyncpg
import pytest

from bot.briefing.model import Briefing
from bot.core import Core
from storage import BriefingRepository, DatabaseUnavailable, SubscriptionRepository, display_url, open_database
from storage.briefings import NewVersion
from storage.database import BRIEFINGS_CHANGED
from storage.outbox import NewAlert, OutboxRepository
from tests.pg_fixtures import create_database

DEADLINE = 15.0  # waits end on an event; this only stops a broken test from hanging


async def _empty_database(server) -> str:
    """A database in which nobody but its owner (postgres) may create tables."""
    name = await create_database(server)
    owner = await asyncpg.connect(server.url(name))
    try:
        await owner.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    finally:
        await owner.close()
    return name


async def _fan_out(db, subscribers: int) -> None:
    subs = SubscriptionRepository(db)
    for chat in range(subscribers):
        await subs.upsert(
            "telegram", 1000 + chat, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=1.0
        )
    assert await OutboxRepository(db).enqueue(NewAlert("new", "k", {"t": 1}), 2.0) == subscribers


async def test_processes_claiming_together_never_take_the_same_row(pg_url):
    processes = [await open_database(pg_url) for _ in range(3)]
    try:
        await _fan_out(processes[0], 60)

        async def drain(db) -> list[int]:
            taken: list[int] = []
            while batch := await OutboxRepository(db).claim_due(10.0, 4, ["telegram"]):
                taken += [d.id for d in batch]
            return taken

        claimed = await asyncio.gather(*(drain(db) for db in processes))
        every = [i for ids in claimed for i in ids]
        assert len(every) == len(set(every)) == 60
    finally:
        for db in processes:
            await db.close()


async def test_a_row_locked_elsewhere_is_skipped_not_waited_for(pg_url):
    db = await open_database(pg_url)
    other = await asyncpg.connect(pg_url)
    try:
        await _fan_out(db, 3)
        held = await other.fetchval("SELECT MIN(id) FROM deliveries")
        async with other.transaction():
            await other.execute("SELECT id FROM deliveries WHERE id = $1 FOR UPDATE", held)
            batch = await asyncio.wait_for(OutboxRepository(db).claim_due(10.0, 10, ["telegram"]), DEADLINE)
            assert len(batch) == 2 and held not in {d.id for d in batch}
    finally:
        await other.close()
        await db.close()


async def test_a_dead_process_claims_come_back_when_they_expire(pg_url):
    db = await open_database(pg_url)
    try:
        await _fan_out(db, 2)
        outbox = OutboxRepository(db)
        first = await outbox.claim_due(100.0, 10, ["telegram"], claim_seconds=30)
        assert len(first) == 2
        assert await outbox.release_in_flight() == 0  # a starting process leaves live claims alone
        assert await outbox.claim_due(129.0, 10, ["telegram"]) == []
        await outbox.finish([(first[0].id, first[0].subscription_id)], [], [], 110.0)
        again = await outbox.claim_due(131.0, 10, ["telegram"])
        assert [(d.id, d.attempts) for d in again] == [(first[1].id, 2)]
    finally:
        await db.close()


async def test_one_leader_and_a_survivor_takes_over(pg_url):
    leader, follower = await open_database(pg_url), await open_database(pg_url)
    try:
        assert await leader.try_lead("telegram-polling")
        assert await leader.try_lead("telegram-polling")  # asking again is not a second lock
        assert not await follower.try_lead("telegram-polling")
        assert await follower.try_lead("discord-gateway")  # another name, another leader
        waiting = asyncio.create_task(follower.wait_lead("telegram-polling"))
        await leader.close()  # the process dies: its session ends and the server frees the lock
        await asyncio.wait_for(waiting, DEADLINE)
        other = await open_database(pg_url)
        assert not await other.try_lead("telegram-polling")
        await other.close()
    finally:
        await follower.close()


async def test_a_leader_whose_session_is_cut_loses_the_lead_and_knows_it(pg_url, postgres_server):
    leader, follower = await open_database(pg_url), await open_database(pg_url)
    admin = await asyncpg.connect(postgres_server.admin_url)
    try:
        assert await leader.try_lead("telegram-polling")
        # Only this test's database: a backend of an earlier test may still be on its way out.
        holder = await admin.fetchval(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1",
            pg_url.rsplit("/", 1)[1],
        )
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", holder)
        await asyncio.wait_for(follower.wait_lead("telegram-polling"), DEADLINE)
        assert not await leader.try_lead("telegram-polling")  # reconnected, and someone else leads
    finally:
        await admin.close()
        await leader.close()
        await follower.close()


async def test_leadership_is_released_at_the_end_of_the_block(pg_url):
    a, b = await open_database(pg_url), await open_database(pg_url)
    try:
        async with a.leadership("digests"):
            assert not await b.try_lead("digests")
        assert await b.try_lead("digests")
        await b.release_lead("digests")
        assert await a.try_lead("digests")
    finally:
        await a.close()
        await b.close()


async def test_a_notification_reaches_another_process(pg_url):
    sender, receiver = await open_database(pg_url), await open_database(pg_url)
    got: asyncio.Queue[str] = asyncio.Queue()
    try:
        stop = await receiver.listen("briefings_changed", got.put_nowait)
        await sender.notify("briefings_changed", "reload 7")
        assert await asyncio.wait_for(got.get(), DEADLINE) == "reload 7"

        async def also_async(payload: str) -> None:
            await got.put("async " + payload)

        stop_async = await receiver.listen("other", also_async)
        await sender.notify("other", "x")
        assert await asyncio.wait_for(got.get(), DEADLINE) == "async x"
        await stop()
        await stop_async()
        await sender.notify("briefings_changed", "unheard")
        # Notifications arrive in commit order: once "after" is in, "unheard" would have been too.
        stop_marker = await receiver.listen("marker", got.put_nowait)
        await sender.notify("marker", "after")
        assert await asyncio.wait_for(got.get(), DEADLINE) == "after"
        assert got.empty()
        await stop_marker()
    finally:
        await sender.close()
        await receiver.close()


async def test_a_publish_in_one_process_is_announced_to_the_others(pg_url):
    publisher, watcher = await open_database(pg_url), await open_database(pg_url)
    heard: asyncio.Queue[str] = asyncio.Queue()
    try:
        await watcher.listen(BRIEFINGS_CHANGED, heard.put_nowait)
        before = await watcher.data_version()
        for n, title in enumerate(("A", "B")):
            briefing = Briefing(id="a", title=title, summary="S.", paragraphs=("S.",))
            version = NewVersion("a", briefing.to_json(), briefing.content_hash(), "f", None, briefing.sentences())
            await BriefingRepository(publisher).publish([version], 1.0 + n)
        # One notification per publishing transaction, however many statements it ran.
        assert [await asyncio.wait_for(heard.get(), DEADLINE) for _ in range(2)] == ["", ""]
        assert await watcher.data_version() > before
        # Notifications arrive in commit order: once "end" is in, a third one would have been too.
        await watcher.listen("marker", heard.put_nowait)
        await publisher.notify("marker", "end")
        assert await asyncio.wait_for(heard.get(), DEADLINE) == "end"
        assert heard.empty()
    finally:
        await publisher.close()
        await watcher.close()


async def test_sqlite_answers_the_fleet_primitives_trivially(tmp_path):
    db = await open_database(tmp_path / "x.sqlite3")
    try:
        assert await db.try_lead("anything")
        async with db.leadership("anything"):
            pass
        stop = await db.listen("c", lambda payload: None)
        await db.notify("c", "nobody hears")
        await stop()
    finally:
        await db.close()


def test_display_url_hides_the_password():
    assert display_url("postgresql://bot:p%40ss@db.example:5432/news") == "postgresql://bot:***@db.example:5432/news"
    assert (
        display_url("postgresql://bot@db/news?sslmode=require&password=x")
        == "postgresql://bot@db/news?sslmode=require&password=***"
    )
    assert display_url("postgres://[::1]:5/x") == "postgres://[::1]:5/x"
    assert "hunter2" not in display_url("postgresql://u:hunter2@h:notaport/d")


async def test_the_password_never_shows_in_errors_reprs_or_logs(pg_url, postgres_server, settings, caplog):
    caplog.set_level(logging.DEBUG)
    core = await Core.open(replace(settings, database_url=pg_url))
    try:
        assert core.database_name.startswith("PostgreSQL postgresql://postgres:***@127.0.0.1:")
        assert "s3cret-pw" not in repr(core.settings)
    finally:
        await core.close()
    db = await open_database(pg_url)
    try:
        assert "s3cret-pw" not in repr(db) and "s3cret-pw" not in db.display_name
        assert "***" in db.display_name
    finally:
        await db.close()
    nobody = pg_url.replace(f":{postgres_server.port}/", ":1/")
    with pytest.raises(DatabaseUnavailable) as failure:
        await open_database(nobody)
    assert "s3cret-pw" not in str(failure.value) and "127.0.0.1:1" in str(failure.value)
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(DatabaseUnavailable) as failure:
        await open_database(missing)
    assert "no_such_database" in str(failure.value) and "s3cret-pw" not in str(failure.value)
    admin = await asyncpg.connect(postgres_server.admin_url)
    try:  # a role that may connect but not create tables
        await admin.execute("CREATE ROLE reader LOGIN PASSWORD 'r3ader-pw'")
    finally:
        await admin.close()
    fresh = await _empty_database(postgres_server)
    readonly = f"postgresql://reader:r3ader-pw@127.0.0.1:{postgres_server.port}/{fresh}"
    with pytest.raises(DatabaseUnavailable) as failure:
        await open_database(readonly)
    assert str(failure.value).startswith("cannot migrate postgresql://reader:***@")
    assert "r3ader-pw" not in str(failure.value)
    assert "s3cret-pw" not in caplog.text and "r3ader-pw" not in caplog.text
