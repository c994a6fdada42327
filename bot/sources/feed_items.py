"""Feed documents (RSS 0.9x/1.0/2.0, Atom 1.0 via feedparser; JSON Feed 1.1) from fetched bytes to plain items.

Always given the bytes and response headers, never a URL: feedparser must not fetch anything itself.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from bot.sources.html_text import html_to_text, safe_text
from bot.sources.identity import content_hash, item_key
from bot.sources.json_feed import JsonEntry, JsonFeedError, looks_like_json, parse_json_feed
from bot.sources.xml_guard import strip_doctype

if TYPE_CHECKING:
    from bot.sources.articles import Article  # trafilatura stays out of processes that only read feeds

MAX_ITEMS = 10_000
FULL_ARTICLE_CHARS = 500  # feed content at least this long, in 3+ paragraphs, is the article itself
FULL_ARTICLE_PARAGRAPHS = 3
_HTML_TYPES = ("text/html", "application/xhtml+xml")


class FeedError(ValueError):
    """The document yields no items; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class FeedItem:
    key: str  # guid, else link, else title and date (see identity.item_key)
    guid: str | None
    link: str | None  # absolute http(s)
    title: str
    published: datetime | None  # UTC
    updated: datetime | None  # UTC
    author: str | None
    text: str  # plain paragraphs separated by blank lines
    full_article: bool  # text is the whole article: no page fetch needed
    content_hash: str  # of the normalised title and text, for dedup within a feed


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    kind: str  # feedparser's version ("rss20", "atom10", ...) or "json1"
    title: str
    home_page: str | None
    items: tuple[FeedItem, ...]
    warning: str | None = None  # a malformed document that still yielded items says what was wrong


def parse_feed(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Items of the feed fetched from ``url`` (the final address, for relative links). Raises FeedError.

    CPU-bound: call it through ``parse_feed_async`` from the event loop.
    """
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if not body.strip():
        raise FeedError("empty document")
    if looks_like_json(body, headers.get("content-type", "")):
        return _from_json(body, url)
    return _from_xml(body, url, headers)


async def parse_feed_async(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    return await asyncio.to_thread(parse_feed, body, url, headers)


def _from_xml(body: bytes, url: str, headers: dict[str, str]) -> ParsedFeed:
    import feedparser  # here, not at the top: only the processes that parse feeds pay for it

    data, had_entities = strip_doctype(body)
    base = urljoin(url, headers.get("content-location", "")) or url
    response_headers = {"content-type": headers.get("content-type", "application/xml"), "content-location": base}
    # No sanitising or link resolving inside feedparser: html_to_text keeps only text (scripts and styles
    # dropped) and links inside content are not kept, while those two passes halve feedparser's speed.
    try:
        parsed = feedparser.parse(
            io.BytesIO(data), response_headers=response_headers, resolve_relative_uris=False, sanitize_html=False
        )
    except Exception as exc:  # feedparser has its own bugs on hostile bytes (an undecodable encoding name...)
        raise FeedError(f"unreadable feed (the feed parser failed: {type(exc).__name__})") from None
    problem = _one_line(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    entries = (parsed.get("entries") or [])[:MAX_ITEMS]
    if not entries and (problem or not parsed.get("version", "")):
        if not parsed.get("version", ""):
            raise FeedError(f"not a feed (no RSS, Atom or JSON Feed found{': ' + problem if problem else ''})")
        raise FeedError(f"unreadable feed: {problem}")
    items = tuple(_from_entry(entry, base) for entry in entries)
    warnings = [w for w in (problem, "entity declarations ignored" if had_entities else None) if w]
    feed = parsed.get("feed") or {}
    return ParsedFeed(
        kind=parsed.get("version", "") or "xml",
        title=_text_of(feed.get("title", ""), feed.get("title_detail")) or urlsplit(url).netloc,
        home_page=_web_link(feed.get("link"), base),
        items=items,
        warning="; ".join(warnings) or None,
    )


def _from_entry(entry: Any, base: str) -> FeedItem:
    title = _text_of(entry.get("title", ""), entry.get("title_detail"))
    content, from_content = _body_of(entry)
    link = _web_link(entry.get("link"), base)
    guid = safe_text(entry.get("id") or "").strip() or None
    published = _utc(dict.get(entry, "published_parsed"))
    updated = _utc(dict.get(entry, "updated_parsed"))
    return _item(guid, link, title, published, updated, entry.get("author") or None, content, from_content)


def _body_of(entry: Any) -> tuple[str, bool]:
    """(plain text, whether it came from full content rather than a summary)."""
    contents = [c for c in entry.get("content") or [] if c.get("value")]
    if contents:
        best = max(contents, key=lambda c: (c.get("type") in _HTML_TYPES, len(c["value"])))
        return _text_of(best["value"], best), True
    summary = entry.get("summary", "")
    return _text_of(summary, entry.get("summary_detail")), False


def _text_of(value: str | None, detail: Any) -> str:
    value = value or ""
    kind = (detail or {}).get("type", "text/html")
    if kind in _HTML_TYPES or "<" in value:
        return html_to_text(value)
    return html_to_text(value) if "&" in value else " ".join(safe_text(value).split())


def _from_json(body: bytes, url: str) -> ParsedFeed:
    try:
        feed, entries = parse_json_feed(body)
    except JsonFeedError as exc:
        raise FeedError(str(exc)) from None
    items = tuple(_from_json_entry(e, url) for e in entries)
    kept = tuple(i for i in items if i.title or i.text)
    return ParsedFeed(
        kind="json1",
        title=feed.get("title") or urlsplit(url).netloc,
        home_page=_web_link(feed.get("home_page_url"), url),
        items=kept,
        warning=f"{len(items) - len(kept)} empty item(s) skipped" if len(kept) < len(items) else None,
    )


def _from_json_entry(entry: JsonEntry, url: str) -> FeedItem:
    if entry.html:
        text, full = html_to_text(entry.html), True
    elif entry.text:  # plain text by the spec: "<" is a character, not markup
        text, full = "\n\n".join(" ".join(p.split()) for p in entry.text.split("\n\n") if p.strip()), True
    else:
        text, full = entry.summary or "", False
    return _item(
        entry.guid,
        _web_link(entry.link, url),
        " ".join(entry.title.split()),
        entry.published,
        entry.updated,
        entry.author,
        text.strip(),
        full,
    )


def item_from_article(article: Article, url: str) -> FeedItem:
    """An article page followed on its own, as the one item of its source (its text is the whole article)."""
    published = _iso_date(article.published)
    return _item(
        None, article.canonical_url or url, article.title or "", published, None, article.author, article.text, True
    )


def _iso_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _item(
    guid: str | None,
    link: str | None,
    title: str,
    published: datetime | None,
    updated: datetime | None,
    author: str | None,
    text: str,
    from_content: bool,
) -> FeedItem:
    if not title:
        title = _first_words(text)
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    full = from_content and len(text) >= FULL_ARTICLE_CHARS and len(paragraphs) >= FULL_ARTICLE_PARAGRAPHS
    return FeedItem(
        key=item_key(guid, link, title, published),
        guid=guid,
        link=link,
        title=title,
        published=published,
        updated=updated,
        author=" ".join(safe_text(author).split()) or None if author else None,
        text=text,
        full_article=full,
        content_hash=content_hash(title, text),
    )


def _first_words(text: str, limit: int = 12) -> str:
    words = text.split()
    return " ".join(words[:limit]) + ("…" if len(words) > limit else "")


def _web_link(link: str | None, base: str) -> str | None:
    if not link:
        return None
    absolute = urljoin(base, link.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _utc(parsed: time.struct_time | None) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _one_line(exc: object) -> str | None:
    if exc is None:
        return None
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
