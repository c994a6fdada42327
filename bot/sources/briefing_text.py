"""A feed item (and the article page it links to) written as briefing text for bot.briefing.parser.

The id, source and published date are a Stamp chosen once, when the item is first stored: a feed that later
rewrites an item's guid, link or date then yields the very same text, so nothing is announced as changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.sources.articles import Article
from bot.sources.feed_items import FeedItem
from bot.sources.identity import short_id

MAX_TEXT_CHARS = 300_000  # the briefing parser refuses files over 1 MB


@dataclass(frozen=True, slots=True)
class Stamp:
    id: str  # [a-z0-9-], at most 40 characters
    source: str | None  # canonical address of the article
    published: str | None  # "2024-08-13 06:15 UTC", or a date alone when that is all the page says


def new_stamp(item: FeedItem, feed_id: str | int, article: Article | None = None) -> Stamp:
    """The stamp of an item seen for the first time."""
    source = (article.canonical_url if article and article.canonical_url else None) or item.link
    return Stamp(
        id=short_id(item.title, item.key, feed_id=feed_id),
        source=source,
        published=_when(item.published or item.updated) or (article.published if article else None),
    )


def item_briefing_text(item: FeedItem, stamp: Stamp, *, feed_name: str, article: Article | None = None) -> str:
    """Front matter + body: the article page's text when fetched, else the item's own content or summary."""
    title = item.title or (article.title if article else None) or stamp.id
    text = article.text if article is not None else item.text
    author = item.author or (article.author if article else None)
    return briefing_text(stamp, title, text, feed_name=feed_name, author=author)


def briefing_text(stamp: Stamp, title: str, text: str, *, feed_name: str, author: str | None = None) -> str:
    fields = {
        "id": stamp.id,
        "title": title,
        "source": stamp.source,
        "published": stamp.published,
        "feed": feed_name,
        "author": author,
    }
    lines = ["---"]
    lines += [f"{key}: {_value(value)}" for key, value in fields.items() if value]
    lines.append("---")
    body = _cap(text.strip())
    return "\n".join(lines) + "\n\n" + (body + "\n" if body else "")


def _value(value: str) -> str:
    """One line; an extra pair of quotes keeps quotes at both ends, which the front-matter reader strips."""
    value = " ".join(value.split())
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return f"{value[0]}{value}{value[0]}"
    return value


def _cap(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    cut = text.rfind("\n\n", 0, MAX_TEXT_CHARS)
    return text[: cut if cut > 0 else MAX_TEXT_CHARS]


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
