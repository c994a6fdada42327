"""Polling one feed end to end on loopback, with an in-memory store: baseline, 304, new, corrected, rewritten, faults."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.sources.fetcher import Fetcher
from bot.sources.netguard import AddressPolicy
from bot.sources.poller import FeedRow, poll_feed, poll_many
from bot.sources.polling import RETRYING, STOPPED, FeedSchedule
from tests.fakes.feed_server import FeedServer
from tests.fakes.feed_store import MemoryFeedStore

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
ARTICLE = "/world/2024/08/kursk-incursion"


@pytest.fixture
async def site():
    async with FeedServer() as server, Fetcher(policy=AddressPolicy.allowing("127.0.0.1/32")) as fetcher:
        yield server, fetcher


async def poll(store: MemoryFeedStore, fetcher: Fetcher, feed: FeedRow, now: datetime = NOW):
    report = await poll_feed(store.feeds.get(feed.id, feed), store, fetcher, now=now, rng=random.Random(1))
    return report


async def test_baseline_then_new_item_then_correction_then_rewrites(site):
    server, fetcher = site
    store = MemoryFeedStore()
    feed = FeedRow(1, server.url("/feeds/rss.xml"), "World", 15, pages=True, schedule=FeedSchedule(NOW))

    baseline = await poll(store, fetcher, feed)
    assert len(baseline.added) == 3 and store.alerts == []  # stored and searchable, alerting nobody
    assert store.feeds[1].schedule.next_due > NOW and store.feeds[1].baseline_done
    assert server.hits[ARTICLE] == 1  # the summary-only item's page; the full-content item needed none

    quiet = await poll(store, fetcher, feed)
    assert quiet.not_modified and store.alerts == [] and server.hits[ARTICLE] == 1

    body = server.pages["/feeds/rss.xml"].body.decode()
    fresh = (
        "<item><title>Ceasefire talks resume in Geneva</title><link>/world/geneva</link><guid>g-9</guid>"
        "<description>Delegations from 4 countries met on Thursday.</description></item>"
    )
    server.set("/feeds/rss.xml", body.replace("<item>", fresh + "<item>", 1))
    server.set("/world/geneva", "<html><body><p>Sign in to read.</p></body></html>", "text/html")
    report = await poll(store, fetcher, feed)
    assert store.alerts == ["new: Ceasefire talks resume in Geneva"] and len(report.added) == 1

    server.replace(ARTICLE, "28 villages", "35 villages")
    server.replace(
        "/feeds/rss.xml",
        "<pubDate>Tue, 13 Aug 2024 08:15:00 +0200</pubDate>",
        "<pubDate>Tue, 13 Aug 2024 08:15:00 +0200</pubDate><atom:updated>2024-08-13T12:00:00Z</atom:updated>",
    )
    report = await poll(store, fetcher, feed)
    assert store.alerts[1:] == ["changed: 28 villages → 35 villages"] and len(report.changed) == 1

    server.replace("/feeds/rss.xml", "https://news.example/world/2024/08/heatwave</guid>", "heatwave-2</guid>")
    server.replace("/feeds/rss.xml", "Mon, 12 Aug 2024 17:02:00 GMT", "Wed, 14 Aug 2024 06:00:00 GMT")
    server.replace("/feeds/rss.xml", "2024-08-13T12:00:00Z", "2024-08-13T13:00:00Z")  # a new date, same page
    pages_before = server.hits[ARTICLE]
    report = await poll(store, fetcher, feed)
    assert report.added == report.changed == [] and len(store.alerts) == 2  # rewritten guid and dates: silence
    assert server.hits[ARTICLE] == pages_before + 1  # the page was asked again, conditionally, and was a 304
    assert len(store.briefings) == 4


async def test_no_pages_uses_the_items_own_text(site):
    server, fetcher = site
    store = MemoryFeedStore()
    feed = FeedRow(2, server.url("/feeds/rss.xml"), "World", 15, pages=False, schedule=FeedSchedule(NOW))
    await poll(store, fetcher, feed)
    assert server.hits[ARTICLE] == 0
    kursk = next(b for b in store.briefings.values() if b.title.startswith("Ukrainian"))
    assert kursk.paragraphs == (
        "Ukrainian forces have advanced up to 30 kilometers into Russian territory. Follow live",
    )


@pytest.mark.parametrize(
    "path, status, error",
    [
        ("/fault/404", STOPPED, "HTTP 404"),
        ("/fault/410", STOPPED, "HTTP 410"),
        ("/fault/500", RETRYING, "HTTP 500"),
        ("/login", RETRYING, "not a feed"),
        ("/feeds/missing.xml", STOPPED, "HTTP 404"),
    ],
)
async def test_failures_are_recorded_with_a_reason_and_a_backoff(site, path, status, error):
    server, fetcher = site
    store = MemoryFeedStore()
    report = await poll(store, fetcher, FeedRow(3, server.url(path), "F", 15, True, FeedSchedule(NOW)))
    assert error in report.error and store.errors[3] == report.error
    assert store.feeds[3].schedule.status == status and not store.feeds[3].baseline_done
    if status == RETRYING:
        assert store.feeds[3].schedule.next_due - NOW >= timedelta(minutes=27)


async def test_retry_after_sets_the_next_fetch(site):
    server, fetcher = site
    store = MemoryFeedStore()
    await poll(store, fetcher, FeedRow(4, server.url("/fault/429"), "F", 0.5, True, FeedSchedule(NOW)))
    assert store.feeds[4].schedule.next_due - NOW == timedelta(seconds=120)


async def test_a_slow_feed_does_not_hold_up_the_others(site):
    server, fetcher = site

    class Watching(MemoryFeedStore):
        def __init__(self) -> None:
            super().__init__()
            self.recorded = asyncio.Event()

        async def record_fetch(self, feed, schedule, **kwargs) -> None:
            await super().record_fetch(feed, schedule, **kwargs)
            if feed.id == 2:
                self.recorded.set()

    store = Watching()
    feeds = [
        FeedRow(1, server.url("/slow"), "Slow", 15, True, FeedSchedule(NOW)),
        FeedRow(2, server.url("/feeds/atom.xml"), "Atom", 15, True, FeedSchedule(NOW)),
    ]
    polling = asyncio.create_task(poll_many(feeds, store, fetcher, now=NOW, rng=random.Random(1)))
    await asyncio.wait_for(store.recorded.wait(), 10)
    assert 1 not in store.feeds and store.errors[2] is None and not polling.done()
    server.slow_release.set()
    reports = await polling
    assert [r.error for r in reports] == [None, None] and len(reports[1].added) == 2


async def test_an_unexpected_failure_is_one_feeds_problem(site):
    server, fetcher = site

    class Broken(MemoryFeedStore):
        async def publish(self, feed_id, item, row, text, *, baseline):
            if feed_id == 1:
                raise RuntimeError("disk full")
            return await super().publish(feed_id, item, row, text, baseline=baseline)

    store = Broken()
    feeds = [FeedRow(n, server.url("/feeds/atom.xml"), "Atom", 15, True, FeedSchedule(NOW)) for n in (1, 2)]
    reports = await poll_many(feeds, store, fetcher, now=NOW, rng=random.Random(1))
    assert reports[0].error == "internal error: RuntimeError" and reports[1].error is None
    assert len(reports[1].added) == 2


async def test_an_article_page_followed_on_its_own_announces_its_corrections(site):
    server, fetcher = site
    store = MemoryFeedStore()
    page = FeedRow(5, server.url(ARTICLE), "News Example", 15, True, FeedSchedule(NOW), kind="page")
    first = await poll(store, fetcher, page)
    (briefing,) = store.briefings.values()
    assert len(first.added) == 1 and store.alerts == []
    assert briefing.source == "https://news.example/world/2024/08/kursk-incursion"
    assert briefing.title.startswith("Ukrainian forces push") and briefing.published == "2024-08-13 00:00 UTC"
    assert (await poll(store, fetcher, page)).not_modified
    server.replace(ARTICLE, "28 villages", "35 villages")
    await poll(store, fetcher, page)
    assert store.alerts == ["changed: 28 villages → 35 villages"]
    server.set(ARTICLE, "<html><body><p>Gone.</p></body></html>", "text/html")
    report = await poll(store, fetcher, page)
    assert report.error == "the page has no article text (any more)"
