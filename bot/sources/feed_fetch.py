"""Fetch-and-read steps the poller and the add commands call: a feed, an article page, or "what is this address?".

A 304 returns before any parsing. Errors are FetchError (network, HTTP status, caps, address rules) or
SourceError (the document is not usable); both read as one line. Given ``workers``, documents are read in
worker processes bounded in time and memory (what the service should do); without, in a thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.sources.articles import Article, extract_article_async
from bot.sources.discovery import advertised_feeds
from bot.sources.feed_items import FeedError, ParsedFeed, parse_feed_async
from bot.sources.fetcher import Fetcher, FetchResult
from bot.sources.workers import DocumentTimeout, DocumentWorkers


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


async def fetch_feed(
    fetcher: Fetcher,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    workers: DocumentWorkers | None = None,
) -> FeedFetch:
    result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return FeedFetch(result.url, None, result.etag or etag, result.last_modified or last_modified)
    feed, reason = await _as_feed(result, workers)
    if feed is None:
        raise SourceError(reason or "not a feed (a web page)")
    return FeedFetch(result.url, feed, result.etag, result.last_modified)


async def fetch_page(
    fetcher: Fetcher,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    workers: DocumentWorkers | None = None,
) -> PageFetch:
    result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return PageFetch(result.url, None, True, result.etag or etag, result.last_modified or last_modified)
    article = await _as_article(result, workers) if _is_html(result) else None
    return PageFetch(result.url, article, False, result.etag, result.last_modified)


async def probe(fetcher: Fetcher, url: str, *, workers: DocumentWorkers | None = None) -> Probe:
    """Fetch once and decide: a feed; a page advertising a feed (that feed); an article page; else SourceError."""
    result = await fetcher.fetch(url)
    feed, reason = await _as_feed(result, workers)
    if feed is not None:
        return Probe(result.url, feed, None, result.etag, result.last_modified)
    if _is_html(result):
        for candidate in advertised_feeds(result.body, result.url)[:3]:
            found = await fetcher.fetch(candidate)
            feed, _ = await _as_feed(found, workers)
            if feed is not None:
                return Probe(found.url, feed, None, found.etag, found.last_modified)
        article = await _as_article(result, workers)
        if article is not None:
            return Probe(result.url, None, article, result.etag, result.last_modified)
        raise SourceError("neither a feed nor an article page (no feed link and no main text found)")
    raise SourceError(reason or "not a feed")


async def _as_feed(result: FetchResult, workers: DocumentWorkers | None) -> tuple[ParsedFeed | None, str | None]:
    if _is_html(result):
        return None, None
    try:
        if workers is not None:
            return await workers.parse_feed(result.body, result.url, result.headers), None
        return await parse_feed_async(result.body, result.url, result.headers), None
    except (FeedError, DocumentTimeout) as exc:
        return None, str(exc)


async def _as_article(result: FetchResult, workers: DocumentWorkers | None) -> Article | None:
    try:
        if workers is not None:
            return await workers.extract_article(result.body, result.url, result.charset)
        return await extract_article_async(result.body, result.url, result.charset)
    except DocumentTimeout:
        return None  # treated like a page without an article: the item's own text is used


_FEED_STARTS = (b"<rss", b"<feed", b"<rdf:rdf", b"{")


def _is_html(result: FetchResult) -> bool:
    """A web page rather than a feed: sniffed from the first bytes, since servers mislabel feeds as text/html."""
    head = result.body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_FEED_STARTS):
        return False
    if b"<html" in head or head.startswith(b"<!doctype html"):
        return True
    if head.startswith(b"<?xml"):
        return False
    return result.content_type in ("text/html", "application/xhtml+xml")
