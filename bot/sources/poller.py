"""One poll of one feed, start to finish, against a FeedStore that storage implements.

Fetch (conditionally), read the items, plan each against what the store knows, fetch article pages where the plan
says so, write briefing text under the item's Stamp and hand it to the store, then record the outcome and the
next due time. Every failure becomes a one-line error on the feed and a backoff; nothing here raises for a bad feed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from bot.sources.articles import Article
from bot.sources.briefing_text import Stamp, item_briefing_text, new_stamp
from bot.sources.feed_fetch import SourceError, fetch_feed, fetch_page
from bot.sources.feed_items import FeedItem, item_from_article
from bot.sources.fetcher import Fetcher, FetchError
from bot.sources.item_plan import KnownItem, plan_item
from bot.sources.polling import FeedSchedule, after_failure, after_success
from bot.sources.workers import DocumentWorkers

log = logging.getLogger(__name__)
PAGE = "page"


@dataclass(frozen=True, slots=True)
class FeedRow:
    """What the poller needs of a stored feed."""

    id: int
    url: str
    name: str
    minutes: float
    pages: bool  # False for feeds added with --no-pages
    schedule: FeedSchedule
    etag: str | None = None
    last_modified: str | None = None
    baseline_done: bool = False  # False until the first successful fetch has been stored
    kind: str = "feed"  # or "page": one article page followed for corrections


class FeedStore(Protocol):
    """Storage's side. Each call is its own transaction; ``publish`` stores the briefing and queues its alert
    together (or, for a baseline, stores it without alerting)."""

    async def known_items(self, feed_id: int, item: FeedItem) -> tuple[KnownItem | None, KnownItem | None]:
        """(the item stored under item.key, an item of this feed stored with item.content_hash)."""

    async def remember(self, feed_id: int, row: KnownItem) -> None:
        """Store ``row`` under ``row.key`` for briefing ``row.stamp.id`` without touching the briefing: a rewritten
        guid (a second key for the same briefing), or new validators of a page that did not change."""

    async def publish(self, feed_id: int, item: FeedItem, row: KnownItem, text: str, *, baseline: bool) -> str:
        """Parse ``text`` as the briefing ``row.stamp.id``, store it when new or changed and store ``row``:
        "added", "changed" or "same". The same canonical address (row.stamp.source) already published by another feed is the same
        briefing. Raises BriefingError for text the parser refuses."""

    async def record_fetch(
        self,
        feed: FeedRow,
        schedule: FeedSchedule,
        *,
        url: str,
        title: str | None,
        etag: str | None,
        last_modified: str | None,
        error: str | None,
        at: datetime,
    ) -> None:
        """The outcome of this poll: validators, the next due time and status, the error shown in /feeds."""


@dataclass
class PollReport:
    feed_id: int
    not_modified: bool = False
    added: list[str] = field(default_factory=list)  # briefing ids
    changed: list[str] = field(default_factory=list)
    error: str | None = None  # the feed's failure, one line
    item_errors: list[str] = field(default_factory=list)  # items skipped, one line each


async def poll_feed(
    feed: FeedRow,
    store: FeedStore,
    fetcher: Fetcher,
    *,
    now: datetime,
    rng: random.Random,
    workers: DocumentWorkers | None = None,
) -> PollReport:
    report = PollReport(feed.id)
    try:
        if feed.kind == PAGE:
            url, title, items, etag, modified = await _read_page(feed, fetcher, workers)
        else:
            got = await fetch_feed(fetcher, feed.url, etag=feed.etag, last_modified=feed.last_modified, workers=workers)
            url, etag, modified = got.url, got.etag, got.last_modified
            title = got.feed.title if got.feed else None
            items = got.feed.items if got.feed else None
    except (FetchError, SourceError) as exc:
        status = exc.status if isinstance(exc, FetchError) else None
        retry = exc.retry_after if isinstance(exc, FetchError) else None
        schedule = after_failure(feed.schedule, now, feed.minutes, rng, status=status, retry_after=retry)
        report.error = str(exc)
        await store.record_fetch(
            feed,
            schedule,
            url=feed.url,
            title=None,
            etag=feed.etag,
            last_modified=feed.last_modified,
            error=report.error,
            at=now,
        )
        return report
    report.not_modified = items is None
    for item in items or ():
        await _one_item(feed, item, title or feed.name, store, fetcher, workers, report)
    await store.record_fetch(
        feed,
        after_success(now, feed.minutes, rng),
        url=url,
        title=title,
        etag=etag,
        last_modified=modified,
        error=None,
        at=now,
    )
    return report


async def _read_page(
    feed: FeedRow, fetcher: Fetcher, workers: DocumentWorkers | None
) -> tuple[str, str | None, tuple[FeedItem, ...] | None, str | None, str | None]:
    """A single article page followed as a source: one item, the page itself."""
    page = await fetch_page(fetcher, feed.url, etag=feed.etag, last_modified=feed.last_modified, workers=workers)
    if page.not_modified:
        return page.url, None, None, page.etag, page.last_modified
    if page.article is None:
        raise SourceError("the page has no article text (any more)")
    return page.url, feed.name, (item_from_article(page.article, feed.url),), page.etag, page.last_modified


async def poll_many(
    feeds: Iterable[FeedRow],
    store: FeedStore,
    fetcher: Fetcher,
    *,
    now: datetime,
    rng: random.Random,
    workers: DocumentWorkers | None = None,
    concurrency: int = 16,
) -> list[PollReport]:
    """Poll the due feeds side by side: each is bounded by the fetcher's timeouts, and one that fails in an
    unexpected way is reported as failed without stopping the others."""
    slots = asyncio.Semaphore(concurrency)

    async def one(feed: FeedRow) -> PollReport:
        async with slots:
            try:
                return await poll_feed(feed, store, fetcher, now=now, rng=rng, workers=workers)
            except Exception as exc:  # a bug or a storage error must not stop the other feeds
                log.exception("polling feed %s failed", feed.id)
                return PollReport(feed.id, error=f"internal error: {type(exc).__name__}")

    return list(await asyncio.gather(*(one(feed) for feed in feeds)))


async def _one_item(
    feed: FeedRow,
    item: FeedItem,
    feed_name: str,
    store: FeedStore,
    fetcher: Fetcher,
    workers: DocumentWorkers | None,
    report: PollReport,
) -> None:
    by_key, by_hash = await store.known_items(feed.id, item)
    plan = plan_item(item, by_key, by_hash, pages=feed.pages)
    known = plan.known
    if plan.rekeyed and known is not None:
        await store.remember(feed.id, replace(known, key=item.key))
        return
    if not plan.rebuild:
        return
    article: Article | None = None
    page_etag = known.page_etag if known else None
    page_modified = known.page_last_modified if known else None
    if plan.fetch_page and item.link:
        try:
            page = await fetch_page(fetcher, item.link, etag=page_etag, last_modified=page_modified, workers=workers)
        except FetchError as exc:
            report.item_errors.append(f"{item.link}: {exc}")
            if known is not None:
                return  # what was published stands; the next poll tries again
        else:
            article, page_etag, page_modified = page.article, page.etag, page.last_modified
            if article is None and known is not None:
                # the page did not change (304) or has no article now: what was published stands
                await store.remember(
                    feed.id, KnownItem(item.key, item.content_hash, item.updated, known.stamp, page_etag, page_modified)
                )
                return
    stamp: Stamp = known.stamp if known else new_stamp(item, feed.id, article)
    row = KnownItem(item.key, item.content_hash, item.updated, stamp, page_etag, page_modified)
    text = item_briefing_text(item, stamp, feed_name=feed_name, article=article)
    try:
        outcome = await store.publish(feed.id, item, row, text, baseline=not feed.baseline_done)
    except ValueError as exc:  # BriefingError: the parser refused the text
        report.item_errors.append(f"{item.title[:80]}: {exc}")
        return
    if outcome == "added":
        report.added.append(stamp.id)
    elif outcome == "changed":
        report.changed.append(stamp.id)
