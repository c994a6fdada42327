"""An in-memory FeedStore (bot.sources.poller) that records what a subscriber would be alerted about."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.briefing.diff import diff_briefings
from bot.briefing.model import Briefing
from bot.briefing.parser import parse_briefing
from bot.sources.feed_items import FeedItem
from bot.sources.item_plan import KnownItem
from bot.sources.poller import FeedRow
from bot.sources.polling import FeedSchedule


@dataclass
class MemoryFeedStore:
    rows: dict[tuple[int, str], KnownItem] = field(default_factory=dict)  # (feed, key)
    briefings: dict[str, Briefing] = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)  # "new: title" / "changed: 28 villages → 35 villages"
    feeds: dict[int, FeedRow] = field(default_factory=dict)
    errors: dict[int, str | None] = field(default_factory=dict)

    async def known_items(self, feed_id: int, item: FeedItem) -> tuple[KnownItem | None, KnownItem | None]:
        by_hash = next(
            (r for (f, _), r in self.rows.items() if f == feed_id and r.content_hash == item.content_hash), None
        )
        return self.rows.get((feed_id, item.key)), by_hash

    async def remember(self, feed_id: int, row: KnownItem) -> None:
        self.rows[(feed_id, row.key)] = row

    async def publish(self, feed_id: int, item: FeedItem, row: KnownItem, text: str, *, baseline: bool) -> str:
        new = parse_briefing(text, f"{row.stamp.id}.txt")
        self.rows[(feed_id, row.key)] = row
        old = self.briefings.get(new.id)
        if old is not None and old.content_hash() == new.content_hash():
            return "same"
        self.briefings[new.id] = new
        if old is None:
            if not baseline:
                self.alerts.append(f"new: {new.title}")
            return "added"
        change = diff_briefings(old, new)
        self.alerts.append("changed: " + ", ".join(f"{f.old} → {f.new}" for f in change.figures))
        return "changed"

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
        self.feeds[feed.id] = replace(
            feed,
            schedule=schedule,
            etag=etag,
            last_modified=last_modified,
            baseline_done=feed.baseline_done or error is None,
        )
        self.errors[feed.id] = error
