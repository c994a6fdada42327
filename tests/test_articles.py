"""Article pages to text, and feed items to briefing text the project's parser reads (end to end on loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.briefing.diff import diff_briefings
from bot.briefing.parser import parse_briefing
from bot.sources.articles import extract_article, extract_article_async
from bot.sources.briefing_text import Stamp, briefing_text, item_briefing_text, new_stamp
from bot.sources.feed_items import parse_feed, parse_feed_async
from bot.sources.fetcher import Fetcher
from bot.sources.netguard import AddressPolicy
from tests.fakes.feed_server import FeedServer

DATA = Path(__file__).parent / "data" / "feeds"
ARTICLE = "/world/2024/08/kursk-incursion"


@pytest.fixture
async def site():
    async with FeedServer() as server, Fetcher(policy=AddressPolicy.allowing("127.0.0.1/32")) as fetcher:
        yield server, fetcher


def test_article_main_text_without_page_furniture():
    article = extract_article((DATA / "article.html").read_bytes(), "https://news.example" + ARTICLE, "utf-8")
    assert article is not None
    assert article.title == "Ukrainian forces push into Kursk region as Russia evacuates thousands"
    assert article.author == "Olena Marchenko" and article.published == "2024-08-13"
    assert article.canonical_url == "https://news.example/world/2024/08/kursk-incursion"
    assert article.text.startswith("KYIV, Ukraine (Wires) — Ukrainian forces have advanced")
    assert "controlling 28 villages" in article.text and article.text.count("\n\n") == 4
    for furniture in ("cookies", "Subscribe", "All rights reserved", "Privacy", "Related", "Five things"):
        assert furniture not in article.text


@pytest.mark.parametrize("page", [(DATA / "no-article.html").read_bytes(), b"", b"\x00\x01\x02", b"<html></html>"])
def test_pages_without_an_article_give_none(page):
    assert extract_article(page, "https://x.example/login", "utf-8") is None


def test_unknown_charset_name_falls_back_to_sniffing():
    article = extract_article((DATA / "article.html").read_bytes(), "https://news.example/a", "no-such-charset")
    assert article is not None and "28 villages" in article.text


async def test_item_and_page_become_a_briefing_and_a_correction_is_a_figure_change(site):
    server, fetcher = site
    fetched = await fetcher.fetch(server.url("/feeds/rss.xml"))
    parsed = await parse_feed_async(fetched.body, fetched.url, fetched.headers)
    item = parsed.items[0]
    assert not item.full_article and item.link == server.url(ARTICLE)

    page = await fetcher.fetch(item.link)
    article = await extract_article_async(page.body, page.url, page.charset)
    stamp = new_stamp(item, feed_id=1, article=article)
    text = item_briefing_text(item, stamp, feed_name=parsed.title, article=article)
    before = parse_briefing(text, "x.txt")
    assert before.id == stamp.id and before.title == item.title
    assert before.source == "https://news.example/world/2024/08/kursk-incursion"  # the page's canonical address
    assert before.published == "2024-08-13 06:15 UTC" and "feed: World Desk & Wires" in text
    assert "28 villages" in [f.text for f in before.figures]
    assert before.quotes[0].speaker == "Vladimir Putin"

    unchanged = await fetcher.fetch(item.link, etag=page.etag, last_modified=page.last_modified)
    assert unchanged.not_modified
    server.replace(ARTICLE, "28 villages", "35 villages")
    corrected = await fetcher.fetch(item.link, etag=page.etag, last_modified=page.last_modified)
    assert corrected.status == 200 and corrected.etag != page.etag
    article2 = await extract_article_async(corrected.body, corrected.url, corrected.charset)
    after = parse_briefing(item_briefing_text(item, stamp, feed_name=parsed.title, article=article2), "x.txt")
    change = diff_briefings(before, after)
    assert [(c.old, c.new) for c in change.figures] == [("28 villages", "35 villages")]
    assert server.hits[ARTICLE] == 3


def test_rewritten_guid_and_date_give_the_same_text_under_the_stored_stamp():
    body = (DATA / "rss2.xml").read_bytes()
    url = "https://news.example/world/rss.xml"
    first = parse_feed(body, url).items[1]
    rewritten = parse_feed(
        body.replace(b"Mon, 12 Aug 2024 17:02:00 GMT", b"Wed, 14 Aug 2024 01:00:00 GMT").replace(
            b"heatwave</guid>", b"heatwave-v2</guid>"
        ),
        url,
    ).items[1]
    stamp = new_stamp(first, feed_id=1)
    assert first.full_article and first.content_hash == rewritten.content_hash
    assert item_briefing_text(first, stamp, feed_name="W") == item_briefing_text(rewritten, stamp, feed_name="W")
    assert new_stamp(rewritten, feed_id=1) != stamp  # which is why the stored stamp must be reused


def test_feed_content_is_the_text_when_no_page_is_fetched():
    item = parse_feed((DATA / "atom.xml").read_bytes(), "https://science.example/feeds/atom.xml").items[0]
    briefing = parse_briefing(item_briefing_text(item, new_stamp(item, "s"), feed_name="Science Notes"), "x.txt")
    assert briefing.title == "Lunar lander touches down near the south pole"
    assert "600 kilometers (370 miles)" in [f.text for f in briefing.figures]
    assert briefing.published == "2024-08-14 04:30 UTC"


@pytest.mark.parametrize(
    "title",
    [
        '"We will not leave," says mayor',
        "'Quoted'",
        "# not a heading",
        "- not a bullet",
        "Line\nbreak: and colon",
        "1. Numbered",
    ],
)
def test_awkward_titles_survive_the_front_matter(title):
    text = briefing_text(Stamp("abc-123456", None, None), title, "Body text of the story.", feed_name="F")
    assert parse_briefing(text, "x.txt").title == " ".join(title.split())


def test_title_only_items_still_parse():
    briefing = parse_briefing(
        briefing_text(Stamp("id-1", "https://x/1", "2024-01-01"), "Only a title", "", feed_name="F"), "x.txt"
    )
    assert briefing.title == "Only a title" and briefing.paragraphs == ()
