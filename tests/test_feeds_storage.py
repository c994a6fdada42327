"""Feeds in storage, on SQLite and PostgreSQL: polls against the loopback feed server store briefings and alerts.

The poller runs for real against storage.feeds through bot.sources.stored_feeds; what a subscriber would get is
read back from the outbox (alerts and deliveries).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.sources.fetcher import Fetcher
from bot.sources.netguard import AddressPolicy
from bot.sources.poller import poll_feed
from bot.sources.stored_feeds import StoredFeeds, feed_row
from storage import SubscriptionRepository, open_database
from storage.feeds import FeedExists, FeedRepository, FetchOutcome
from tests.fakes.feed_server import FeedServer

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
ARTICLE = "/world/2024/08/kursk-incursion"
FRESH = (
    "<item><title>Ceasefire talks resume in Geneva</title><link>/world/geneva</link><guid>g-9</guid>"
    "<description>Delegations from 4 countries met on Thursday.</description></item>"
)


@pytest.fixture
async def db(db_target):
    database = await open_database(db_target)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def site():
    async with FeedServer() as server, Fetcher(policy=AddressPolicy.allowing("127.0.0.1/32")) as fetcher:
        yield server, fetcher


async def poll(repo: FeedRepository, fetcher: Fetcher, feed_id: int, now: datetime = NOW):
    store = StoredFeeds(repo, lambda: now.timestamp())
    return await poll_feed(feed_row(await repo.get(feed_id)), store, fetcher, now=now, rng=random.Random(1))


async def alerts(db) -> list[tuple[str, dict]]:
    return [
        (kind, json.loads(payload))
        for kind, payload in await db.fetchall("SELECT kind, payload FROM alerts ORDER BY id")
    ]


async def add(repo: FeedRepository, url: str, name: str = "World") -> int:
    feed = await repo.add(url, name, 15, pages=True, kind="feed", next_due=NOW.timestamp(), now=NOW.timestamp())
    return feed.id


async def test_baseline_new_item_correction_and_rewrites(db, site):
    server, fetcher = site
    repo = FeedRepository(db)
    feed_id = await add(repo, server.url("/feeds/rss.xml"))
    subs = SubscriptionRepository(db)
    await subs.upsert(
        "telegram", 1, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=NOW.timestamp() - 60
    )

    baseline = await poll(repo, fetcher, feed_id)
    assert len(baseline.added) == 3 and await alerts(db) == []  # stored, searchable, alerting nobody
    stored = await repo.get(feed_id)
    assert stored.baseline_done and stored.last_success == NOW.timestamp() and stored.etag
    assert (await repo.list_feeds())[0].items == 3

    later = NOW + timedelta(minutes=20)
    assert (await poll(repo, fetcher, feed_id, later)).not_modified

    server.set("/feeds/rss.xml", server.pages["/feeds/rss.xml"].body.decode().replace("<item>", FRESH + "<item>", 1))
    server.set("/world/geneva", "<html><body><p>Sign in to read.</p></body></html>", "text/html")
    report = await poll(repo, fetcher, feed_id, later + timedelta(minutes=20))
    assert [(k, p["title"], p["feed_id"]) for k, p in await alerts(db)] == [
        ("new", "Ceasefire talks resume in Geneva", feed_id)
    ]
    assert await db.scalar("SELECT COUNT(*) FROM deliveries") == 1

    server.replace(ARTICLE, "28 villages", "35 villages")
    dated = "<pubDate>Tue, 13 Aug 2024 08:15:00 +0200</pubDate>"
    server.replace("/feeds/rss.xml", dated, dated + "<atom:updated>2024-08-13T12:00:00Z</atom:updated>")
    report = await poll(repo, fetcher, feed_id, later + timedelta(minutes=40))
    assert len(report.changed) == 1
    kind, payload = (await alerts(db))[-1]
    figures = payload["change"]["figures"]
    assert kind == "changed" and any("28" in json.dumps(f) and "35" in json.dumps(f) for f in figures)

    server.replace("/feeds/rss.xml", "https://news.example/world/2024/08/heatwave</guid>", "heatwave-2</guid>")
    server.replace("/feeds/rss.xml", "Mon, 12 Aug 2024 17:02:00 GMT", "Wed, 14 Aug 2024 06:00:00 GMT")
    report = await poll(repo, fetcher, feed_id, later + timedelta(minutes=60))
    assert report.added == report.changed == [] and len(await alerts(db)) == 2  # guid and date rewrites: silence
    assert await db.scalar("SELECT COUNT(*) FROM briefings WHERE feed_id = ?", (feed_id,)) == 4


async def test_same_article_through_two_feeds_is_one_briefing(db, site):
    server, fetcher = site
    repo = FeedRepository(db)
    server.set("/feeds/copy.xml", server.pages["/feeds/rss.xml"].body.replace(b"<guid", b'<guid x="1"'))
    server.replace("/feeds/copy.xml", "https://news.example/world/2024/08/heatwave</guid>", "other-guid</guid>")
    first = await add(repo, server.url("/feeds/rss.xml"))
    second = await add(repo, server.url("/feeds/copy.xml"), "Copy")
    await poll(repo, fetcher, first)
    report = await poll(repo, fetcher, second)
    # the two linked articles are already briefings of the first feed; the item without a link has no address
    assert len(report.added) == 1 and report.added[0].startswith("central-bank")
    assert await db.scalar("SELECT COUNT(*) FROM briefings") == 4
    assert await db.scalar("SELECT COUNT(*) FROM feed_items WHERE feed_id = ?", (second,)) == 3

    assert await repo.remove(first)
    assert await db.scalar("SELECT COUNT(*) FROM briefings") == 4  # removing a feed keeps its briefings
    assert [f.id for f in await repo.list_feeds()] == [second]


async def test_adding_twice_stops_and_resumes(db, site):
    server, fetcher = site
    repo = FeedRepository(db)
    feed_id = await add(repo, server.url("/fault/410"))
    with pytest.raises(FeedExists):
        await add(repo, server.url("/fault/410"))
    report = await poll(repo, fetcher, feed_id)
    assert report.error
    stopped = await repo.get(feed_id)
    assert stopped.status == "stopped" and stopped.next_due is None and stopped.last_error == report.error
    assert [f.id for f in await repo.failing()] == [feed_id]
    assert await repo.due(NOW.timestamp() + 10**6) == []
    assert await repo.make_due(NOW.timestamp()) == 0  # /reload does not restart a stopped feed
    assert await repo.make_due(NOW.timestamp(), feed_id, resume=True) == 1  # an operator does
    resumed = await repo.get(feed_id)
    assert resumed.status == "ok" and resumed.failures == 0
    assert [f.id for f in await repo.due(NOW.timestamp())] == [feed_id]


async def test_subscriptions_limited_to_feeds(db, site):
    server, fetcher = site
    repo = FeedRepository(db)
    world = await add(repo, server.url("/feeds/rss.xml"))
    atom = await add(repo, server.url("/feeds/atom.xml"), "Atom")
    subs = SubscriptionRepository(db)
    only_atom, _ = await subs.upsert(
        "telegram", 1, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=0, feeds=(atom,)
    )
    everything, _ = await subs.upsert(
        "telegram", 2, 0, mode="instant", digest_time=None, timezone="UTC", keywords=(), now=0
    )
    assert (await subs.get("telegram", 1)).feeds == (atom,)
    for feed_id in (world, atom):
        await poll(repo, fetcher, feed_id)  # baselines
    later = NOW + timedelta(hours=1)
    server.set("/feeds/rss.xml", server.pages["/feeds/rss.xml"].body.decode().replace("<item>", FRESH + "<item>", 1))
    await poll(repo, fetcher, world, later)
    rows = await db.fetchall("SELECT subscription_id FROM deliveries")
    assert [r[0] for r in rows] == [everything.id]  # the world feed's alert skips the atom-only chat
    assert only_atom.id != everything.id


async def test_a_claimed_feed_is_skipped_by_another_poller_until_its_outcome_or_the_hold_ends(db):
    repo = FeedRepository(db)
    first = await add(repo, "https://a.example/rss")
    second = await add(repo, "https://b.example/rss")
    now = NOW.timestamp()
    assert [f.id for f in await repo.claim_due(now, 600)] == [first, second]
    assert await repo.claim_due(now + 1, 600) == []  # another process finds nothing to do
    assert [f.id for f in await repo.claim_due(now + 601, 600)] == [first, second]  # that poller died
    assert [f.id for f in await repo.claim_due(now + 602, 600, [second])] == [second]  # `feeds fetch ID`


async def test_fetch_now_during_a_poll_is_not_undone_by_its_outcome(db):
    repo = FeedRepository(db)
    feed_id = await add(repo, "https://a.example/rss")
    now = NOW.timestamp()
    [held] = await repo.claim_due(now, 600)
    assert await repo.make_due(now + 1) == 1  # an operator's /reload while the poll runs
    await repo.record_fetch(held.id, FetchOutcome(None, None, now + 900, 0, None, "ok", None), now + 2)
    assert [f.id for f in await repo.due(now + 2)] == [feed_id]  # still due now, not in 15 minutes
    await repo.claim_due(now + 3, 600)
    await repo.record_fetch(held.id, FetchOutcome(None, None, now + 900, 0, None, "ok", None), now + 4)
    assert (await repo.get(feed_id)).next_due == now + 900  # the next poll goes back to the interval
