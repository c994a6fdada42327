"""Feeds, the items they brought, and publishing an item as a briefing with its alert, one transaction per call.

Plain values only (epoch seconds, strings): bot.sources.stored_feeds adapts this to the poller's FeedStore port.
An item's briefing belongs to the feed that first published its canonical address; another feed reaching the
same address only remembers the item under that briefing, so one article is one briefing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from storage.briefings import Announce, NewVersion, save_version
from storage.database import Database, Transaction
from storage.outbox import enqueue_alert

Outcome = Literal["added", "changed", "same"]
MAX_ID_SUFFIX = 50


class FeedExists(ValueError):
    """The address is already a feed; the message says which."""


@dataclass(frozen=True, slots=True)
class StoredFeed:
    id: int
    url: str
    name: str
    minutes: float
    pages: bool
    kind: str  # "feed" or "page"
    etag: str | None
    last_modified: str | None
    next_due: float | None  # None: stopped until an operator acts
    failures: int
    failing_since: float | None
    status: str  # ok, retrying, failing, stopped
    last_success: float | None
    last_error: str | None
    baseline_done: bool
    created_at: float
    items: int = 0  # briefings this feed published (filled by list_feeds)


@dataclass(frozen=True, slots=True)
class StoredItem:
    key: str
    briefing_id: str
    content_hash: str
    updated: float | None
    source: str | None
    published: str | None
    page_etag: str | None = None
    page_last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    """What one poll of a feed leaves behind (record_fetch)."""

    etag: str | None
    last_modified: str | None
    next_due: float | None
    failures: int
    failing_since: float | None
    status: str
    error: str | None  # None: the fetch succeeded
    title: str | None = None


_FEED_COLUMNS = (
    "id, url, name, minutes, pages, kind, etag, last_modified, next_due, failures, failing_since, status, "
    "last_success, last_error, baseline_done, created_at"
)
_ITEM_COLUMNS = "key, briefing_id, content_hash, updated, source, published, page_etag, page_last_modified"


def _feed(row, items: int = 0) -> StoredFeed:
    return StoredFeed(
        row[0],
        row[1],
        row[2],
        float(row[3]),
        bool(row[4]),
        row[5],
        row[6],
        row[7],
        row[8],
        int(row[9]),
        row[10],
        row[11],
        row[12],
        row[13],
        bool(row[14]),
        row[15],
        items,
    )


def _item(row) -> StoredItem:
    return StoredItem(*row)


class FeedRepository:
    def __init__(self, db: Database):
        self.db = db

    async def add(
        self, url: str, name: str, minutes: float, *, pages: bool, kind: str, next_due: float, now: float
    ) -> StoredFeed:
        """A new feed, due at ``next_due``; FeedExists when the address is already one."""
        async with self.db.transaction() as tx:
            await tx.lock("feeds")
            if await tx.fetchone("SELECT id FROM feeds WHERE url = ?", (url,)) is not None:
                raise FeedExists(url)
            row = await tx.fetchone(
                "INSERT INTO feeds (url, name, minutes, pages, kind, next_due, created_at) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_FEED_COLUMNS}",
                (url, name[:200], minutes, int(pages), kind, next_due, now),
            )
        return _feed(row)

    async def get(self, feed_id: int) -> StoredFeed | None:
        row = await self.db.fetchone(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE id = ?", (feed_id,))
        return _feed(row) if row else None

    async def by_url(self, url: str) -> StoredFeed | None:
        row = await self.db.fetchone(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE url = ?", (url,))
        return _feed(row) if row else None

    async def list_feeds(self) -> list[StoredFeed]:
        """Every feed with the number of briefings it published, oldest first."""
        counts = dict(
            await self.db.fetchall(
                "SELECT feed_id, COUNT(*) FROM briefings WHERE feed_id IS NOT NULL AND current_version IS NOT NULL "
                "GROUP BY feed_id"
            )
        )
        rows = await self.db.fetchall(f"SELECT {_FEED_COLUMNS} FROM feeds ORDER BY id")
        return [_feed(row, int(counts.get(row[0], 0))) for row in rows]

    async def remove(self, feed_id: int) -> bool:
        """The feed and its item rows go; its briefings stay (they keep the feed's id)."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM feed_items WHERE feed_id = ?", (feed_id,))
            return await tx.execute("DELETE FROM feeds WHERE id = ?", (feed_id,)) > 0

    async def due(self, now: float, feed_ids: list[int] | None = None) -> list[StoredFeed]:
        """Feeds to poll now: due and not stopped (or the named ones, whatever their schedule)."""
        if feed_ids is not None:
            marks = ",".join("?" for _ in feed_ids) or "NULL"
            rows = await self.db.fetchall(
                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE id IN ({marks}) ORDER BY id", list(feed_ids)
            )
        else:
            rows = await self.db.fetchall(
                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE next_due <= ? AND status != 'stopped' ORDER BY next_due, id",
                (now,),
            )
        return [_feed(row) for row in rows]

    async def claim_due(self, now: float, hold_seconds: float, feed_ids: list[int] | None = None) -> list[StoredFeed]:
        """Like ``due``, and each feed returned is pushed ``hold_seconds`` ahead in the same transaction, so
        another process polling the same database skips it; the poll's outcome then sets its real next fetch
        (a process that dies mid-poll leaves the feed due again after the hold)."""
        async with self.db.transaction() as tx:
            await tx.lock("feeds")
            if feed_ids is not None:
                marks = ",".join("?" for _ in feed_ids) or "NULL"
                rows = await tx.fetchall(
                    f"SELECT {_FEED_COLUMNS} FROM feeds WHERE id IN ({marks}) ORDER BY id", list(feed_ids)
                )
            else:
                rows = await tx.fetchall(
                    f"SELECT {_FEED_COLUMNS} FROM feeds WHERE next_due <= ? AND status != 'stopped' "
                    "ORDER BY next_due, id",
                    (now,),
                )
            await tx.executemany(
                "UPDATE feeds SET next_due = ?, fetch_now = 0 WHERE id = ? AND status != 'stopped'",
                [(now + hold_seconds, row[0]) for row in rows],
            )
        return [_feed(row) for row in rows]

    async def next_due(self) -> float | None:
        return await self.db.scalar("SELECT MIN(next_due) FROM feeds WHERE status != 'stopped'")

    async def make_due(self, now: float, feed_id: int | None = None, *, resume: bool = False) -> int:
        """Fetch now: every feed (or one) that is not stopped; ``resume`` also restarts stopped ones,
        forgetting their failures. Returns how many feeds are due now."""
        where = "" if resume else " AND status != 'stopped'"
        # fetch_now: a poll holding the feed right now must not push it back to its interval when it ends
        reset = ", fetch_now = 1" + (", failures = 0, failing_since = NULL, status = 'ok'" if resume else "")
        async with self.db.transaction() as tx:
            if feed_id is None:
                return await tx.execute(f"UPDATE feeds SET next_due = ?{reset} WHERE 1 = 1{where}", (now,))
            return await tx.execute(f"UPDATE feeds SET next_due = ?{reset} WHERE id = ?{where}", (now, feed_id))

    async def failing(self) -> list[StoredFeed]:
        """Feeds failing for a day or stopped (404/410): what /status and the overview warn about."""
        rows = await self.db.fetchall(
            f"SELECT {_FEED_COLUMNS} FROM feeds WHERE status IN ('failing', 'stopped') ORDER BY id"
        )
        return [_feed(row) for row in rows]

    async def feed_names(self) -> dict[str, str]:
        """briefing id -> the name of the feed that published it (feeds still present)."""
        rows = await self.db.fetchall(
            "SELECT b.id, f.name FROM briefings b JOIN feeds f ON f.id = b.feed_id WHERE b.current_version IS NOT NULL"
        )
        return {row[0]: row[1] for row in rows}

    async def known_items(
        self, feed_id: int, key: str, content_hash: str
    ) -> tuple[StoredItem | None, StoredItem | None]:
        """(the item stored under ``key``, an item of this feed stored with ``content_hash``)."""
        by_key = await self.db.fetchone(
            f"SELECT {_ITEM_COLUMNS} FROM feed_items WHERE feed_id = ? AND key = ?", (feed_id, key)
        )
        by_hash = await self.db.fetchone(
            f"SELECT {_ITEM_COLUMNS} FROM feed_items WHERE feed_id = ? AND content_hash = ? LIMIT 1",
            (feed_id, content_hash),
        )
        return (_item(by_key) if by_key else None), (_item(by_hash) if by_hash else None)

    async def remember(self, feed_id: int, item: StoredItem) -> None:
        async with self.db.transaction() as tx:
            await _save_item(tx, feed_id, item)

    async def publish_item(
        self,
        feed_id: int,
        item: StoredItem,
        version_for: Callable[[str], NewVersion],
        announce: Announce | None,
        now: float,
    ) -> tuple[Outcome, str]:
        """Store the item's briefing (built by ``version_for(briefing id)``), its alert and the item row together.

        Returns (outcome, the briefing id used). ``announce`` is None for a baseline. A new item whose id is
        taken by another briefing gets a suffix (-2); one whose canonical address another feed already
        published is remembered under that briefing and changes nothing.
        """
        async with self.db.transaction() as tx:
            await tx.lock("briefings")
            briefing_id = await _briefing_for(tx, feed_id, item)
            if briefing_id is None:
                owner = await _owner_by_source(tx, item.source)
                await _save_item(tx, feed_id, _with_id(item, owner or item.briefing_id))
                return "same", owner or item.briefing_id
            version = version_for(briefing_id)
            version_id, previous = await save_version(tx, version, now)
            await tx.execute(
                "UPDATE briefings SET feed_id = ?, source_url = ? WHERE id = ?", (feed_id, item.source, briefing_id)
            )
            await _save_item(tx, feed_id, _with_id(item, briefing_id))
            if version_id == 0:
                return "same", briefing_id
            alert = announce(previous, version) if announce is not None else None
            if alert is not None:
                await enqueue_alert(tx, alert, now)
            return ("changed" if previous is not None else "added"), briefing_id

    async def record_fetch(self, feed_id: int, outcome: FetchOutcome, at: float) -> None:
        success = outcome.error is None
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE feeds SET etag = ?, last_modified = ?, "
                "next_due = CASE WHEN fetch_now = 1 THEN next_due ELSE ? END, fetch_now = 0, "
                "failures = ?, failing_since = ?, "
                "status = ?, last_error = ?, last_success = COALESCE(?, last_success), "
                "baseline_done = CASE WHEN ? = 1 THEN 1 ELSE baseline_done END, "
                "name = CASE WHEN name = url THEN COALESCE(?, name) ELSE name END WHERE id = ?",
                (
                    outcome.etag,
                    outcome.last_modified,
                    outcome.next_due,
                    outcome.failures,
                    outcome.failing_since,
                    outcome.status,
                    outcome.error,
                    at if success else None,
                    int(success),
                    outcome.title[:200] if outcome.title else None,
                    feed_id,
                ),
            )


async def _briefing_for(tx: Transaction, feed_id: int, item: StoredItem) -> str | None:
    """The briefing this feed writes the item to, or None when another feed owns its address."""
    row = await tx.fetchone("SELECT briefing_id FROM feed_items WHERE feed_id = ? AND key = ?", (feed_id, item.key))
    if row is not None:
        owner = await tx.fetchone("SELECT feed_id FROM briefings WHERE id = ?", (row[0],))
        if owner is not None and owner[0] is not None and owner[0] != feed_id and await _feed_exists(tx, owner[0]):
            return None
        return row[0]
    if item.source:
        found = await tx.fetchone("SELECT id, feed_id FROM briefings WHERE source_url = ? LIMIT 1", (item.source,))
        if found is not None:
            if found[1] is not None and found[1] != feed_id and await _feed_exists(tx, found[1]):
                return None
            return found[0]  # this feed's own earlier briefing (a feed removed and added again)
    candidate = item.briefing_id
    for suffix in range(2, MAX_ID_SUFFIX + 2):
        if await tx.fetchone("SELECT 1 FROM briefings WHERE id = ?", (candidate,)) is None:
            return candidate
        candidate = f"{item.briefing_id[:37]}-{suffix}"
    raise ValueError(f"no free id for {item.briefing_id}")


async def _owner_by_source(tx: Transaction, source: str | None) -> str | None:
    if not source:
        return None
    row = await tx.fetchone("SELECT id FROM briefings WHERE source_url = ? LIMIT 1", (source,))
    return row[0] if row else None


async def _feed_exists(tx: Transaction, feed_id: int) -> bool:
    return await tx.fetchone("SELECT 1 FROM feeds WHERE id = ?", (feed_id,)) is not None


def _with_id(item: StoredItem, briefing_id: str) -> StoredItem:
    return StoredItem(
        item.key,
        briefing_id,
        item.content_hash,
        item.updated,
        item.source,
        item.published,
        item.page_etag,
        item.page_last_modified,
    )


async def _save_item(tx: Transaction, feed_id: int, item: StoredItem) -> None:
    await tx.execute(
        f"INSERT INTO feed_items (feed_id, {_ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (feed_id, key) DO UPDATE SET briefing_id = excluded.briefing_id, "
        "content_hash = excluded.content_hash, updated = excluded.updated, source = excluded.source, "
        "published = excluded.published, page_etag = excluded.page_etag, "
        "page_last_modified = excluded.page_last_modified",
        (
            feed_id,
            item.key,
            item.briefing_id,
            item.content_hash,
            item.updated,
            item.source,
            item.published,
            item.page_etag,
            item.page_last_modified,
        ),
    )
