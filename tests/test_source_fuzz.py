"""Mangled copies of the fixture feeds, pages and OPML (seeded): every one is read or refused in one line."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.sources.articles import extract_article
from bot.sources.feed_items import FeedError, parse_feed
from bot.sources.opml import OpmlError, parse_opml

FILES = sorted((Path(__file__).parent / "data" / "feeds").iterdir())


def mangled(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    roll = rng.random()
    if roll < 0.3:
        return bytes(buf[: rng.randrange(len(buf))])
    if roll < 0.7:
        for _ in range(rng.randrange(1, 20)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf)
    at = rng.randrange(len(buf))
    buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 50)))
    return bytes(buf)


@pytest.mark.parametrize("seed", range(4))
def test_mangled_documents_never_raise_anything_but_a_refusal(seed):
    rng = random.Random(seed)
    for _ in range(40):
        data = mangled(rng, rng.choice(FILES).read_bytes())
        content_type = rng.choice(["application/rss+xml", "application/feed+json", "text/html", ""])
        try:
            feed = parse_feed(data, "https://x.example/feed", {"Content-Type": content_type})
            assert all("\x00" not in i.text and "<script" not in i.text for i in feed.items)
        except FeedError as exc:
            assert "\n" not in str(exc)
        article = extract_article(data, "https://x.example/a", rng.choice(["utf-8", "latin-1", None]))
        assert article is None or article.text
        try:
            parse_opml(data)
        except OpmlError as exc:
            assert "\n" not in str(exc)
