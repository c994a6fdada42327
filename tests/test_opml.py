"""OPML import and export: folders, duplicates, bad addresses, entity tricks, a round trip."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sources.fetcher import Fetcher
from bot.sources.netguard import AddressPolicy
from bot.sources.opml import OpmlError, OpmlFeed, export_opml, parse_opml
from tests.fakes.feed_server import FeedServer

OPML = (Path(__file__).parent / "data" / "feeds" / "subscriptions.opml").read_bytes()


def test_import_walks_folders_and_skips_what_it_cannot_use():
    result = parse_opml(OPML)
    assert [f.url for f in result.feeds] == [
        "https://news.example/world/rss.xml",
        "https://wire.example/rss",
        "https://science.example/feeds/atom.xml",
    ]
    assert result.feeds[0] == OpmlFeed(
        "https://news.example/world/rss.xml", "World Desk & Wires", "https://news.example/world/"
    )
    assert result.skipped == ("Not a web address: not an http or https address", "Duplicate: listed twice")


def test_export_round_trips_and_escapes():
    feeds = [
        OpmlFeed("https://a.example/rss?x=1&y=2", 'Tom & "Jerry" <News>', "https://a.example/"),
        OpmlFeed("https://b.example/atom.xml"),
    ]
    text = export_opml(feeds, title="Briefing Bot feeds", created=datetime(2024, 8, 13, 9, tzinfo=UTC))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "<dateCreated>Tue, 13 Aug 2024 09:00:00 GMT</dateCreated>" in text
    assert "&amp;y=2" in text and "&lt;News&gt;" in text
    assert parse_opml(text.encode()).feeds == tuple(feeds)


@pytest.mark.parametrize(
    "data, reason",
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "b">]><opml><body><outline xmlUrl="https://x/&a;"/></body></opml>',
            "entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]><opml><body/></opml>',
            "entities",
        ),
        (b"<opml><body><outline></body>", "not well-formed"),
        (b"<rss><channel/></rss>", "not an OPML document"),
        (b'<?xml version="1.0" encoding="IAO-8859-1"?><opml><body/></opml>', "unreadable OPML"),
        (b'<opml version="2.0"><head/><body><outline text="folder"/></body></opml>', "lists no feeds"),
    ],
)
def test_bad_opml_is_refused_in_one_line(data, reason):
    with pytest.raises(OpmlError) as caught:
        parse_opml(data)
    assert reason in str(caught.value) and "\n" not in str(caught.value)


async def test_opml_fetched_from_the_server():
    async with FeedServer() as server, Fetcher(policy=AddressPolicy.allowing("127.0.0.1/32")) as fetcher:
        result = await fetcher.fetch(server.url("/subscriptions.opml"))
    assert len(parse_opml(result.body).feeds) == 3
