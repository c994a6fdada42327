"""Feed documents to items: every format, odd encodings, broken XML, entity tricks, identity and hashes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sources.feed_items import FeedError, parse_feed, parse_feed_async
from bot.sources.fetcher import Fetcher
from bot.sources.identity import content_hash, item_key, short_id
from bot.sources.netguard import AddressPolicy
from tests.fakes.feed_server import FeedServer, big_feed

DATA = Path(__file__).parent / "data" / "feeds"
RSS = "application/rss+xml; charset=utf-8"


def feed(name: str, content_type: str = RSS, url: str = "https://news.example/world/rss.xml"):
    return parse_feed((DATA / name).read_bytes(), url, {"Content-Type": content_type})


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_rss2_with_namespaces_cdata_entities_and_relative_links():
    parsed = feed("rss2.xml")
    assert parsed.kind == "rss20" and parsed.title == "World Desk & Wires" and parsed.warning is None
    kursk, heat, bank = parsed.items
    assert kursk.key == "guid:urn:news-example:article:88121"
    assert kursk.link == "https://news.example/world/2024/08/kursk-incursion"  # relative, resolved against the feed
    assert kursk.author == "Olena Marchenko"  # CDATA
    assert kursk.published == utc(2024, 8, 13, 6, 15) and kursk.updated is None  # +0200 -> UTC
    assert not kursk.full_article and "<" not in kursk.text
    assert heat.title == "Heatwave grips southern Europe – temperatures reach 44°C"  # numeric entities
    assert heat.full_article and "alert(" not in heat.text and "<p>" not in heat.text
    assert heat.text.startswith("ROME (Wires) — Temperatures reached 44 degrees")
    assert "“We have never seen a summer like this,” said Maria Kostopoulou" in heat.text
    assert heat.text.count("\n\n") == 3  # four paragraphs kept apart
    assert bank.link is None and bank.key == "title:central bank holds rates at 5.25%|2024-08-11T10:00:00+00:00"


def test_atom_html_title_xhtml_content_and_xml_base():
    parsed = feed("atom.xml", "application/atom+xml", "https://science.example/feeds/atom.xml")
    lander, measles = parsed.items
    assert parsed.kind == "atom10"
    assert lander.title == "Lunar lander touches down near the south pole"
    assert lander.link == "https://science.example/articles/lunar-lander"
    assert lander.published == utc(2024, 8, 14, 4, 30) and lander.updated == utc(2024, 8, 14, 9, 45)
    assert lander.author == "Priya Raman" and lander.full_article
    assert '"Everything went as planned," said flight director Tomas Lindqvist.' in lander.text
    assert measles.text == "Health officials reported 214 new cases." and not measles.full_article


def test_rss1_and_rss091():
    (runoff,) = feed("rss1.rdf", "application/rdf+xml").items
    assert runoff.updated == utc(2024, 8, 10, 15) and runoff.author == "Ana Souza"
    old = feed("rss091.xml", "text/xml")
    assert old.kind.startswith("rss09") and old.items[0].key == "link:http://gazette.example/sport/marathon"


def test_charset_in_header_differs_from_the_xml_prolog():
    parsed = feed("latin1.xml", "text/xml; charset=utf-8")
    assert parsed.title == "Café du Monde"
    assert parsed.items[0].title == "Crème brûlée wins the vote"
    assert "résultat" in parsed.items[0].text


def test_broken_xml_that_still_has_items_is_used_with_a_warning():
    parsed = feed("broken.xml")
    assert [i.title for i in parsed.items] == ["Storm closes ports & airports", "Bridge reopens after repairs"]
    assert parsed.warning and "not well-formed" in parsed.warning
    assert parsed.items[1].text == "The bridge reopened on Friday after 9 months."


def test_json_feed():
    parsed = feed("feed.json", "application/feed+json", "https://markets.example/feed.json")
    assert parsed.kind == "json1" and parsed.title == "Markets Minute"
    earnings, oil = parsed.items
    assert earnings.key == "guid:2024-08-14-earnings"
    assert earnings.link == "https://markets.example/2024/08/northwind-earnings"
    assert earnings.published == utc(2024, 8, 14, 17, 5) and earnings.updated == utc(2024, 8, 14, 19)
    assert earnings.author == "Lee Park" and "$14.1 billion" in earnings.text and "<p>" not in earnings.text
    assert oil.link is None and oil.text.startswith("Brent crude fell 2 percent")
    assert parsed.warning == "1 empty item(s) skipped"


@pytest.mark.parametrize(
    "body, content_type, reason",
    [
        ((DATA / "article.html").read_bytes(), "text/html", "not a feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "application/json", "not valid JSON"),
        (b'{"hello": 1}', "application/json", "without a JSON Feed version"),
        (b"[" * 100_000 + b"]" * 100_000, "application/feed+json", "JSON"),
        (b"   ", RSS, "empty document"),
        (b"<rss version='2.0'><channel><title>x</tit", RSS, "unreadable feed"),
        (
            b'<?xml version="1.0" encoding="ut\xc1f-8"?><rss version="2.0"><channel><title>t</title></channel></rss>',
            RSS,
            "unreadable feed",
        ),  # found by fuzzing: feedparser decodes the encoding name and fails
        (b"<!DOCTYPE html>", "text/html", "not a feed"),  # found by fuzzing: nothing left once the DOCTYPE goes
    ],
)
def test_documents_without_items_are_refused_with_a_reason(body, content_type, reason):
    with pytest.raises(FeedError) as caught:
        parse_feed(body, "https://x.example/feed", {"Content-Type": content_type})
    assert reason in str(caught.value) and "\n" not in str(caught.value)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
 <!ENTITY tricky "a > b ]> c">
]>
<rss version="2.0"><channel><title>Laughs</title>
<item><title>&lol6;</title><guid>1</guid><description>&xxe; &tricky;</description></item>
</channel></rss>"""


def test_entity_declarations_never_expand():
    parsed = parse_feed(BILLION_LAUGHS, "https://x.example/feed", {"Content-Type": RSS})
    (item,) = parsed.items
    assert "lollol" not in item.title and len(item.title) < 20
    assert "root:" not in item.text and "a > b" not in item.text
    assert "entity declarations ignored" in (parsed.warning or "")


def test_quadratic_blowup_stays_small():
    big_value = b"x" * 50_000
    refs = b"&a;" * 100_000
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + big_value + b'">]>'
        b"<rss version='2.0'><channel><title>q</title><item><guid>1</guid><description>"
        + refs
        + b"</description></item></channel></rss>"
    )
    (item,) = parse_feed(doc, "https://x.example/feed", {"Content-Type": RSS}).items
    assert len(item.text) <= len(refs) and "xxxxx" not in item.text


def test_guid_rewrite_keeps_the_content_hash_and_a_changed_figure_does_not():
    original = feed("rss2.xml").items[1]
    body = (DATA / "rss2.xml").read_bytes()
    rewritten = body.replace(b"https://news.example/world/2024/08/heatwave</guid>", b"hw-2024-08-12</guid>")
    rewritten = rewritten.replace(b"Mon, 12 Aug 2024 17:02:00 GMT", b"Tue, 13 Aug 2024 07:00:00 GMT")
    again = parse_feed(rewritten, "https://news.example/world/rss.xml", {"Content-Type": RSS}).items[1]
    assert again.key != original.key and again.content_hash == original.content_hash
    corrected = parse_feed(
        body.replace(b"52 wildfires", b"61 wildfires"), "https://news.example/world/rss.xml", {"Content-Type": RSS}
    ).items[1]
    assert corrected.key == original.key and corrected.content_hash != original.content_hash


def test_identity_and_short_ids():
    when = utc(2024, 8, 1)
    assert item_key(" a  b ", "https://x/1", "T", when) == "guid:a b"
    assert item_key(None, "https://x/1", "T", when) == "link:https://x/1"
    assert item_key("", None, "Big  News", when) == "title:big news|2024-08-01T00:00:00+00:00"
    assert content_hash("Title", "Some   TEXT.\n\n") == content_hash("title", "some text")
    first = short_id("Crème brûlée wins — the vote! " * 5, "guid:1", feed_id=3)
    assert first == short_id("Crème brûlée wins — the vote! " * 5, "guid:1", feed_id=3)
    assert first != short_id("Crème brûlée wins — the vote! " * 5, "guid:1", feed_id=4)
    assert first.startswith("creme-brulee-wins-the-vote-") and len(first) <= 40
    for title in ("日本語のニュース", "", "!!!", "Supercalifragilisticexpialidociousandevenlongerword"):
        made = short_id(title, "k")
        assert 6 <= len(made) <= 40 and all(c.isdigit() or "a" <= c <= "z" or c == "-" for c in made)
        assert not made.startswith("-") and not made.endswith("-")


async def test_fetched_gzip_feed_of_5000_items():
    async with FeedServer() as server, Fetcher(policy=AddressPolicy.allowing("127.0.0.1/32")) as fetcher:
        result = await fetcher.fetch(server.url("/feeds/big.xml"))
        parsed = await parse_feed_async(result.body, result.url, result.headers)
    assert len(parsed.items) == 5000 and len({i.key for i in parsed.items}) == 5000
    assert parsed.items[4999].title == "Story 4999: council approves 4999 new homes"
    assert len(big_feed(3)) < len(result.body)


async def test_fetched_feeds_resolve_links_against_the_final_address():
    async with FeedServer() as server, Fetcher(policy=AddressPolicy.allowing("127.0.0.1/32")) as fetcher:
        result = await fetcher.fetch(server.url("/moved"))
        parsed = await parse_feed_async(result.body, result.url, result.headers)
    assert parsed.items[0].link == server.url("/world/2024/08/kursk-incursion")


def test_json_feed_plain_text_keeps_angle_brackets_and_paragraphs():
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": [{"id": "1", '
        b'"title": "Rates < 5% for a <b>year</b>", "content_text": "First  para: 3 < 4.\\n\\nSecond para."}]}'
    )
    (item,) = parse_feed(body, "https://x.example/feed.json", {"Content-Type": "application/feed+json"}).items
    assert item.title == "Rates < 5% for a <b>year</b>"
    assert item.text == "First para: 3 < 4.\n\nSecond para."


def test_control_characters_and_lone_surrogates_are_dropped():
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "T\\ud800", "items": [{"id": "1\\u0000", '
        b'"title": "a\\ud800b", "authors": [{"name": "\\u0007Bo"}], "content_html": "<p>x\\udc00y\\u000bz</p>"}]}'
    )
    (item,) = parse_feed(body, "https://x.example/f.json", {"Content-Type": "application/feed+json"}).items
    assert (item.guid, item.title, item.author, item.text) == ("1", "ab", "Bo", "xyz")
    rss = (
        b"<rss version='2.0'><channel><title>T</title><item><guid>g\x01</guid><title>A\x0b B</title>"
        b"<description>&lt;p&gt;one\x02 two&lt;/p&gt;</description></item></channel></rss>"
    )
    (item,) = parse_feed(rss, "https://x.example/f.xml", {"Content-Type": RSS}).items
    assert item.title == "A B" and item.text == "one two" and "\x01" not in item.key
