"""Subscriptions, keyed by (platform, chat, thread); thread 0 means the chat itself."""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    platform: str
    chat_id: int
    thread_id: int
    mode: str  # "instant" or "daily"
    digest_time: str | None  # "HH:MM" local time for daily digests
    timezone: str
    keywords: tuple[str, ...]
    active: bool
    inactive_reason: str | None
    created_at: float
    started_at: float
    last_delivery_at: float | None
    last_digest_date: str | None
    feeds: tuple[int, ...] = ()  # limited to alerts from these feeds; () means every source


_COLUMNS = (
    "id, platform, chat_id, thread_id, mode, digest_time, timezone, keywords, active, inactive_reason, "
    "created_at, started_at, last_delivery_at, last_digest_date, feeds"
)


def _subscription(row) -> Subscription:
    return Subscription(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        tuple(json.loads(row[7])),
        bool(row[8]),
        row[9],
        row[10],
        row[11] or row[10],
        row[12],
        row[13],
        tuple(json.loads(row[14] or "[]")),
    )


class SubscriptionRepository:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, platform: str, chat_id: int, thread_id: int = 0) -> Subscription | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE platform = ? AND chat_id = ? AND thread_id = ?",
            (platform, chat_id, thread_id),
        )
        return _subscription(row) if row else None

    async def upsert(
        self,
        platform: str,
        chat_id: int,
        thread_id: int,
        *,
        mode: str,
        digest_time: str | None,
        timezone: str,
        keywords: tuple[str, ...],
        now: float,
        feeds: tuple[int, ...] = (),
    ) -> tuple[Subscription, bool]:
        """Create or update; returns (subscription, started) where started means new or re-enabled.

        A subscription that starts (again) starts from now, so it never receives older alerts.
        """
        async with self.db.transaction() as tx:
            # Two processes subscribing one chat at once must agree on which one started it.
            await tx.lock(f"subscription:{platform}:{chat_id}:{thread_id}")
            before = await tx.fetchone(
                "SELECT active FROM subscriptions WHERE platform = ? AND chat_id = ? AND thread_id = ?",
                (platform, chat_id, thread_id),
            )
            started = before is None or not before[0]
            # RETURNING reads the row inside this transaction: a read after the commit could
            # run on an older snapshot and miss it.
            row = await tx.fetchone(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, mode, digest_time, timezone, keywords, "
                "active, created_at, updated_at, started_at, feeds) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) "
                "ON CONFLICT(platform, chat_id, thread_id) DO UPDATE SET mode = excluded.mode, "
                "digest_time = excluded.digest_time, timezone = excluded.timezone, keywords = excluded.keywords, "
                "feeds = excluded.feeds, "
                "active = 1, inactive_reason = NULL, updated_at = excluded.updated_at, "
                "started_at = CASE WHEN subscriptions.active = 1 THEN subscriptions.started_at "
                "ELSE excluded.started_at END "
                f"RETURNING {_COLUMNS}",
                (
                    platform,
                    chat_id,
                    thread_id,
                    mode,
                    digest_time,
                    timezone,
                    json.dumps(list(keywords)),
                    now,
                    now,
                    now,
                    json.dumps(list(feeds)),
                ),
            )
        if row is None:
            raise RuntimeError("the subscription upsert returned no row")
        return _subscription(row), started

    async def remove(self, platform: str, chat_id: int, thread_id: int = 0) -> bool:
        async with self.db.transaction() as tx:
            return (
                await tx.execute(
                    "DELETE FROM subscriptions WHERE platform = ? AND chat_id = ? AND thread_id = ?",
                    (platform, chat_id, thread_id),
                )
                > 0
            )

    async def deactivate_chat(self, platform: str, chat_id: int, reason: str, now: float) -> int:
        """Mark every subscription of a chat inactive (kept, so a new /subscribe revives it)."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "UPDATE subscriptions SET active = 0, inactive_reason = ?, updated_at = ? "
                "WHERE platform = ? AND chat_id = ? AND active = 1",
                (reason, now, platform, chat_id),
            )

    async def move_chat(self, platform: str, old_chat_id: int, new_chat_id: int, now: float) -> int:
        """Follow a chat whose id changed (a Telegram group upgraded to a supergroup)."""
        async with self.db.transaction() as tx:
            # A thread already subscribed under the new id keeps its own row (the old one stays).
            return await tx.execute(
                "UPDATE subscriptions SET chat_id = ?, updated_at = ? WHERE platform = ? AND chat_id = ? "
                "AND NOT EXISTS (SELECT 1 FROM subscriptions o WHERE o.platform = subscriptions.platform "
                "AND o.chat_id = ? AND o.thread_id = subscriptions.thread_id)",
                (new_chat_id, now, platform, old_chat_id, new_chat_id),
            )

    async def counts(self) -> tuple[int, int]:
        """(active, inactive)"""
        row = await self.db.aggregate(
            "SELECT COALESCE(SUM(active), 0), COALESCE(SUM(1 - active), 0) FROM subscriptions"
        )
        return int(row[0]), int(row[1])

    async def daily(self) -> list[Subscription]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE active = 1 AND mode = 'daily' ORDER BY id"
        )
        return [_subscription(row) for row in rows]
