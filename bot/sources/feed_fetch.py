"""Fetch-and-read steps the poller and the add commands call: a feed, an article page, or "what is this address?".

A 304 returns before any parsing. Errors are FetchError (network, HTTP status, caps, address rules) or
SourceError (the document is not usable); both read as one line.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.sources.articles import Article, extract_article_async
from bot.sources.discovery import advertised_feeds
from bot.sources.feed_items import FeedError, ParsedFeed, parse_feed_async
from bot.sources.fetcher import Fetcher, FetchResult


class SourceError(ValueError):
    """An address whose document is neither a usable feed nor an article page; the message is one line."""


@dataclass(frozen=True, slots=True)
class FeedFetch:
    url: str  # after redirects
    feed: ParsedFeed | None  # None when not modified
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.feed is None


@dataclass(frozen=True, slots=True)
class PageFetch:
    url: str
    article: Article | None  # None when not modified, or when the page has no main text
    not_modified: bool
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class Probe:
    """What an operator's address turned out to be: a feed (maybe found through a page), or one article."""

    url: str  # the feed's address to store (after discovery and redirects)
    feed: ParsedFeed | None
    article: Article | None
    etag: str | None
    last_modified: str | None


async def fetch_feed(fetcher: Fetcher, url: str, *, etag: str | None = None,
                     last_modified: str | None = None) -> FeedFetch:
    result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return FeedFetch(result.url, None, result.etag or etag, result.last_modified or last_modified)
    try:
        feed = await parse_feed_async(result.body, result.url, result.headers)
    except FeedError as exc:
        raise SourceError(str(exc)) from None
    return FeedFetch(result.url, feed, result.etag, result.last_modified)


async def fetch_page(fetcher: Fetcher, url: str, *, etag: str | None = None,
                     last_modified: str | None = None) -> PageFetch:
    result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return PageFetch(result.url, None, True, result.etag or etag, result.last_modified or last_modified)
    article = await extract_article_async(result.body, result.url, result.charset) if _is_html(result) else None
    return PageFetch(result.url, article, False, result.etag, result.last_modified)


async def probe(fetcher: Fetcher, url: str) -> Probe:
    """Fetch once and decide: a feed; a page advertising a feed (that feed); an article page; else SourceError."""
    result = await fetcher.fetch(url)
    feed, reason = await _as_feed(result)
    if feed is not None:
        return Probe(result.url, feed, None, result.etag, result.last_modified)
    if _is_html(result):
        for candidate in advertised_feeds(result.body, result.url)[:3]:
            found = await fetcher.fetch(candidate)
            feed, _ = await _as_feed(found)
            if feed is not None:
                return Probe(found.url, feed, None, found.etag, found.last_modified)
        article = await extract_article_async(result.body, result.url, result.charset)
        if article is not None:
            return Probe(result.url, None, article, result.etag, result.last_modified)
        raise SourceError("neither a feed nor an article page (no feed link and no main text found)")
    raise SourceError(reason or "not a feed")


async def _as_feed(result: FetchResult) -> tuple[ParsedFeed | None, str | None]:
    if _is_html(result):
        return None, None
    try:
        return await parse_feed_async(result.body, result.url, result.headers), None
    except FeedError as exc:
        return None, str(exc)


def _is_html(result: FetchResult) -> bool:
    if result.content_type in ("text/html", "application/xhtml+xml"):
        return True
    head = result.body[:512].lstrip().lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")
