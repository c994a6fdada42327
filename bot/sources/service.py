"""Feeds at run time: adding (with one probing fetch), removing, importing, fetching now, and the polling loop.

One FeedService per process holds the shared Fetcher and DocumentWorkers. The loop asks storage for the feeds
due at ``clock()``, polls them with ``poll_many``, and sleeps until the earliest next fetch or a wake
(``wake()``: /reload, `feeds fetch`, a new feed). Whether a feed is due is decided from the database and the
clock passed in, never from a timer of its own, so several processes and restarts agree.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.settings import Settings
from bot.sources.feed_fetch import SourceError, probe
from bot.sources.fetcher import Fetcher, FetchError, FetchLimits
from bot.sources.netguard import AddressPolicy
from bot.sources.opml import OpmlFeed, export_opml, parse_opml
from bot.sources.poller import PollReport, poll_many
from bot.sources.polling import first_schedule
from bot.sources.stored_feeds import StoredFeeds, feed_row
from bot.sources.workers import DocumentWorkers
from storage.feeds import FeedExists, FeedRepository, StoredFeed

log = logging.getLogger(__name__)

IDLE_CHECK_SECONDS = 30.0  # feeds added or made due by another process are noticed this soon
# Told "ok", "not_modified" or "error" per polled feed (metrics.feed_fetch).
FetchObserver = Callable[[str], None]


class FeedRefused(ValueError):
    """An address that cannot be added; the message is one line saying why."""


@dataclass
class AddReport:
    feed: StoredFeed
    items: int  # what the probe found (a page is one)
    resumed: bool = False  # the address was a stopped feed: it is fetched again


@dataclass
class ImportReport:
    added: list[StoredFeed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line each


def _one_line(text: str) -> str:
    """Strangers' text (titles, server messages) in a log line: no line breaks to forge lines with."""
    return " ".join(text.split())[:500]


def fetcher_for(settings: Settings) -> Fetcher:
    return Fetcher(
        FetchLimits(total_timeout=settings.fetch_timeout, max_bytes=settings.fetch_max_bytes),
        AddressPolicy(allow_private=settings.fetch_allow_private),
    )


class FeedService:
    def __init__(
        self,
        repo: FeedRepository,
        settings: Settings,
        clock: Callable[[], float],
        *,
        fetcher: Fetcher | None = None,
        workers: DocumentWorkers | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.clock = clock
        self.store = StoredFeeds(repo, clock)
        self.rng = rng or random.Random()
        self.on_polled: Callable[[list[PollReport]], None] | None = None  # new alerts queued: deliver now
        self.observe: FetchObserver | None = None
        self._fetcher = fetcher
        self._own_fetcher = fetcher is None
        self._workers = workers
        self._own_workers = workers is None
        # True: feeds and pages are parsed in DocumentWorkers, bounded in time and memory; False: here (tests)
        self.isolated_parsing = True
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._round = asyncio.Lock()  # one polling round at a time in this process

    async def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = await fetcher_for(self.settings).open()
        return self._fetcher

    def workers(self) -> DocumentWorkers | None:
        if not self.isolated_parsing:
            return None
        if self._workers is None:
            self._workers = DocumentWorkers()
        return self._workers

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    async def add(self, url: str, minutes: float | None = None, *, pages: bool = True) -> AddReport:
        """Fetch the address once; save it only when it is a feed (or an article page). FeedRefused says why not."""
        url = url.strip()
        if (known := await self.repo.by_url(url)) is not None:
            if known.status != "stopped":
                raise FeedRefused(f"{url[:200]} is already a feed (id {known.id})")
            await self.fetch_now(known.id)  # an operator adding a stopped feed again restarts it
            return AddReport(known, 0, resumed=True)
        try:
            found = await probe(await self.fetcher(), url, workers=self.workers())
        except (FetchError, SourceError) as exc:
            raise FeedRefused(f"{url[:200]}: {exc}") from None
        minutes = minutes if minutes is not None else self.settings.feed_minutes
        if found.feed is not None:
            name, kind, items = found.feed.title or found.url, "feed", len(found.feed.items)
        else:
            name, kind, items = (found.article.title if found.article else None) or found.url, "page", 1
        try:
            feed = await self.repo.add(
                found.url, name, minutes, pages=pages, kind=kind, next_due=self.clock(), now=self.clock()
            )
        except FeedExists:
            raise FeedRefused(f"{found.url[:200]} is already a feed") from None  # the address it redirects to
        self.wake()  # its baseline is fetched right away
        return AddReport(feed, items)

    async def import_opml(self, data: bytes, *, minutes: float | None = None) -> ImportReport:
        """Every feed of an OPML list, without probing, due within the first interval (not all at once)."""
        listed = parse_opml(data)  # OpmlError says why in one line
        report = ImportReport(skipped=list(listed.skipped))
        minutes = minutes if minutes is not None else self.settings.feed_minutes
        now = self._now()
        for entry in listed.feeds:
            due = first_schedule(now, minutes, self.rng).next_due or now
            try:
                feed = await self.repo.add(
                    entry.url,
                    entry.title or entry.url,
                    minutes,
                    pages=True,
                    kind="feed",
                    next_due=due.timestamp(),
                    now=self.clock(),
                )
            except FeedExists:
                report.skipped.append(f"{entry.url[:200]}: already a feed")
            else:
                report.added.append(feed)
        self.wake()
        return report

    async def export_opml(self) -> str:
        feeds = [
            OpmlFeed(f.url, f.name if f.name != f.url else None)
            for f in await self.repo.list_feeds()
            if f.kind == "feed"
        ]
        return export_opml(feeds, title="Briefing Bot feeds", created=self._now())

    async def fetch_now(self, feed_id: int | None = None) -> int:
        """Every feed (or one, stopped or not) is due now; the loop is woken. Returns how many."""
        count = await self.repo.make_due(self.clock(), feed_id, resume=feed_id is not None)
        self.wake()
        return count

    async def poll_due(self, feed_ids: list[int] | None = None) -> list[PollReport]:
        """One round: the due feeds (or the named ones), side by side."""
        async with self._round:
            feeds = await self.repo.claim_due(self.clock(), self.hold_seconds(), feed_ids)
            if not feeds:
                return []
            reports = await poll_many(
                [feed_row(f) for f in feeds],
                self.store,
                await self.fetcher(),
                now=self._now(),
                rng=self.rng,
                workers=self.workers(),
            )
        for report in reports:
            if report.error is not None:
                log.warning("feed %s failed: %s", report.feed_id, _one_line(report.error))
            for line in report.item_errors:
                log.info("feed %s: item skipped: %s", report.feed_id, _one_line(line))
            if report.added or report.changed:
                log.info("feed %s: %d added, %d changed", report.feed_id, len(report.added), len(report.changed))
            if self.observe is not None:
                self.observe("error" if report.error else "not_modified" if report.not_modified else "ok")
        if self.on_polled is not None and any(r.added or r.changed for r in reports):
            self.on_polled(reports)
        return reports

    def hold_seconds(self) -> float:
        """How long a feed being polled is kept from other processes: longer than any poll should take."""
        return max(600.0, 4 * self.settings.fetch_timeout)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="feed-polling")

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.poll_due()
                next_due = await self.repo.next_due()
            except Exception:  # a database hiccup: try again on the next round
                log.exception("feed polling round failed")
                next_due = None
            wait = (
                IDLE_CHECK_SECONDS if next_due is None else min(max(0.0, next_due - self.clock()), IDLE_CHECK_SECONDS)
            )
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._own_fetcher and self._fetcher is not None:
            await self._fetcher.close()
            self._fetcher = None
        if self._own_workers and self._workers is not None:
            await self._workers.close()
            self._workers = None
