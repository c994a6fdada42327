"""Fetch-and-read steps on loopback: 304 costs no parse, probing an address, item plans, worker processes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.sources.briefing_text import Stamp
from bot.sources.feed_fetch import SourceError, fetch_feed, fetch_page, probe
from bot.sources.feed_items import FeedItem
from bot.sources.fetcher import Fetcher, FetchError
from bot.sources.item_plan import KnownItem, plan_item
from bot.sources.netguard import AddressPolicy
from bot.sources.workers import DocumentWorkers
from tests.fakes.feed_server import FeedServer

ARTICLE = "/world/2024/08/kursk-incursion"


@pytest.fixture
async def site():
    async with FeedServer() as server, Fetcher(policy=AddressPolicy.allowing("127.0.0.1/32")) as fetcher:
        yield server, fetcher


async def test_not_modified_feed_returns_before_parsing(site):
    server, fetcher = site
    first = await fetch_feed(fetcher, server.url("/feeds/rss.xml"))
    assert first.feed is not None and len(first.feed.items) == 3
    again = await fetch_feed(fetcher, server.url("/feeds/rss.xml"), etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.feed is None and again.etag == first.etag
    assert server.hits["/feeds/rss.xml"] == 2


async def test_fetch_feed_of_a_web_page_says_it_is_not_a_feed(site):
    server, fetcher = site
    with pytest.raises(SourceError, match="not a feed"):
        await fetch_feed(fetcher, server.url(ARTICLE))


async def test_fetch_page_conditionally(site):
    server, fetcher = site
    page = await fetch_page(fetcher, server.url(ARTICLE))
    assert page.article is not None and "28 villages" in page.article.text
    same = await fetch_page(fetcher, server.url(ARTICLE), etag=page.etag, last_modified=page.last_modified)
    assert same.not_modified and same.article is None
    server.replace(ARTICLE, "28 villages", "35 villages")
    changed = await fetch_page(fetcher, server.url(ARTICLE), etag=page.etag, last_modified=page.last_modified)
    assert changed.article is not None and "35 villages" in changed.article.text


@pytest.mark.parametrize(
    "path, expect",
    [
        ("/feeds/rss.xml", "feed"),
        ("/feeds/feed.json", "feed"),
        ("/feeds/atom.xml", "feed"),
        ("/", "discovered"),
        (ARTICLE, "article"),
    ],
)
async def test_probe_tells_feeds_pages_and_articles_apart(site, path, expect):
    server, fetcher = site
    found = await probe(fetcher, server.url(path))
    if expect == "feed":
        assert found.feed is not None and found.url == server.url(path)
    elif expect == "discovered":
        assert found.feed is not None and found.url == server.url("/feeds/rss.xml")
        assert found.feed.title == "World Desk & Wires"
    else:
        assert found.feed is None and found.article is not None
        assert found.article.title.startswith("Ukrainian forces push")


async def test_probe_refusals_are_one_line(site):
    server, fetcher = site
    with pytest.raises(SourceError, match="neither a feed nor an article page"):
        await probe(fetcher, server.url("/login"))
    server.set("/data.bin", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
    with pytest.raises(SourceError, match="not a feed"):
        await probe(fetcher, server.url("/data.bin"))
    with pytest.raises(FetchError, match="HTTP 404"):
        await probe(fetcher, server.url("/nowhere"))


def known(item: FeedItem, **changes) -> KnownItem:
    base = KnownItem(item.key, item.content_hash, item.updated, Stamp("x-123456", item.link, None))
    return KnownItem(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})


def test_item_plans():
    item = FeedItem(
        "guid:1", "1", "https://x/1", "T", None, datetime(2024, 8, 1, tzinfo=UTC), None, "short", False, "h1"
    )
    new = plan_item(item, None, None, pages=True)
    assert new.known is None and new.fetch_page and new.rebuild
    assert not plan_item(item, None, None, pages=False).fetch_page
    assert not plan_item(replace(item, full_article=True), None, None, pages=True).fetch_page
    same = plan_item(item, known(item), None, pages=True)
    assert not (same.fetch_page or same.rebuild or same.rekeyed)
    rekeyed = plan_item(replace(item, key="guid:2"), None, known(item), pages=True)
    assert rekeyed.rekeyed and not rekeyed.rebuild and not rekeyed.fetch_page
    corrected = plan_item(replace(item, updated=datetime(2024, 8, 2, tzinfo=UTC)), known(item), None, pages=True)
    assert corrected.fetch_page and corrected.rebuild
    edited_full = plan_item(replace(item, full_article=True, content_hash="h2"), known(item), None, pages=True)
    assert edited_full.rebuild and not edited_full.fetch_page


async def test_worker_processes_read_documents_and_give_up_on_hostile_ones(site):
    server, fetcher = site
    hostile = b'<rss version="2.0"><channel><item><description>' + b"<a>" * 400_000  # minutes in feedparser
    server.set("/feeds/hostile.xml", hostile)
    async with DocumentWorkers(timeout=10) as workers:
        good = await fetch_feed(fetcher, server.url("/feeds/atom.xml"), workers=workers)
        assert good.feed is not None and good.feed.items[0].title.startswith("Lunar lander")
        workers.timeout = 0.3
        with pytest.raises(SourceError, match=r"took over 0.3 s"):
            await fetch_feed(fetcher, server.url("/feeds/hostile.xml"), workers=workers)
        workers.timeout = 10
        page = await fetch_page(fetcher, server.url(ARTICLE), workers=workers)  # a fresh pool after the kill
        assert page.article is not None and "28 villages" in page.article.text


async def test_a_feed_served_as_text_html_is_still_a_feed(site):
    server, fetcher = site
    server.set("/mislabelled", server.pages["/feeds/rss.xml"].body, "text/html; charset=utf-8")
    got = await fetch_feed(fetcher, server.url("/mislabelled"))
    assert got.feed is not None and len(got.feed.items) == 3
