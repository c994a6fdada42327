"""The poller's FeedStore port on storage's FeedRepository: parsing an item's text and saying what to announce.

Storage keeps plain values (epoch seconds, strings); this module turns them into the poller's FeedRow,
KnownItem and FeedSchedule and back, parses briefing text with the project's parser, and builds the alert
(carrying the feed's id, so subscriptions limited to some feeds can match on it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from bot.announcements import briefing_alert
from bot.briefing.model import Briefing
from bot.briefing.parser import parse_briefing
from bot.sources.briefing_text import Stamp
from bot.sources.feed_items import FeedItem
from bot.sources.item_plan import KnownItem
from bot.sources.poller import FeedRow
from bot.sources.polling import FeedSchedule
from storage.briefings import NewVersion
from storage.feeds import FeedRepository, FetchOutcome, StoredFeed, StoredItem
from storage.outbox import NewAlert


def to_datetime(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def to_epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def feed_row(feed: StoredFeed) -> FeedRow:
    schedule = FeedSchedule(to_datetime(feed.next_due), feed.failures, to_datetime(feed.failing_since), feed.status)
    return FeedRow(
        feed.id,
        feed.url,
        feed.name,
        feed.minutes,
        feed.pages,
        schedule,
        feed.etag,
        feed.last_modified,
        feed.baseline_done,
        feed.kind,
    )


def _known(item: StoredItem | None) -> KnownItem | None:
    if item is None:
        return None
    stamp = Stamp(item.briefing_id, item.source, item.published)
    return KnownItem(
        item.key, item.content_hash, to_datetime(item.updated), stamp, item.page_etag, item.page_last_modified
    )


def _stored(row: KnownItem) -> StoredItem:
    return StoredItem(
        row.key,
        row.stamp.id,
        row.content_hash,
        to_epoch(row.updated),
        row.stamp.source,
        row.stamp.published,
        row.page_etag,
        row.page_last_modified,
    )


def feed_alert(feed_id: int, old: Briefing | None, new: Briefing) -> NewAlert | None:
    """The content folder's alert for a briefing, marked with the feed that brought it."""
    alert = briefing_alert(old, new)
    if alert is None:
        return None
    return replace(alert, payload={**alert.payload, "feed_id": feed_id}, feed_id=feed_id)


class StoredFeeds:
    """FeedStore (bot.sources.poller) over a FeedRepository; ``clock`` gives epoch seconds for new versions."""

    def __init__(self, repo: FeedRepository, clock: Callable[[], float]) -> None:
        self.repo = repo
        self.clock = clock

    async def known_items(self, feed_id: int, item: FeedItem) -> tuple[KnownItem | None, KnownItem | None]:
        by_key, by_hash = await self.repo.known_items(feed_id, item.key, item.content_hash)
        return _known(by_key), _known(by_hash)

    async def remember(self, feed_id: int, row: KnownItem) -> None:
        await self.repo.remember(feed_id, _stored(row))

    async def publish(self, feed_id: int, item: FeedItem, row: KnownItem, text: str, *, baseline: bool) -> str:
        parsed = parse_briefing(text, f"{row.stamp.id}.txt")  # raises BriefingError (a ValueError)
        raw_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()

        def version_for(briefing_id: str) -> NewVersion:
            briefing = parsed if briefing_id == parsed.id else replace(parsed, id=briefing_id)
            return NewVersion(
                briefing.id, briefing.to_json(), briefing.content_hash(), raw_hash, None, briefing.sentences()
            )

        def announce(previous: dict | None, version: NewVersion) -> NewAlert | None:
            old = Briefing.from_json(previous) if previous is not None else None
            return feed_alert(feed_id, old, Briefing.from_json(version.data))

        outcome, _ = await self.repo.publish_item(
            feed_id, _stored(row), version_for, None if baseline else announce, self.clock()
        )
        return outcome

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
        outcome = FetchOutcome(
            etag,
            last_modified,
            to_epoch(schedule.next_due),
            schedule.failures,
            to_epoch(schedule.failing_since),
            schedule.status,
            error,
            title,
        )
        await self.repo.record_fetch(feed.id, outcome, at.timestamp())
