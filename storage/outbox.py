"""The durable outbox: alerts, their per-subscription deliveries, and the delivery lease.

An alert fans out into one delivery row per matching subscription in the caller's
transaction, so content and its alerts commit together. The worker claims due rows
(status 'sending'), and marks them sent, retried or failed. Rows left 'sending' by a crash
are released at start: they are the only ones that can be sent twice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Sequence

import aiosqlite

from storage.database import Database


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    alert_id: int
    attempts: int
    subscription_id: int
    platform: str
    chat_id: int
    thread_id: int
    kind: str
    payload: dict


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    oldest_pending_at: float | None
    sent_last_hour: int
    failed_last_hour: int


def keywords_match(keywords: Sequence[str], text: str) -> bool:
    """Plain keyword filter (never user regexes): a whole-word, case-insensitive match of any."""
    if not keywords:
        return True
    words = set(re.findall(r"\w+", text.lower()))
    return any(k.lower() in words or (" " in k and k.lower() in text.lower()) for k in keywords)


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert to store: ``dedup_key`` is unique, so the same content never alerts twice."""

    kind: str
    dedup_key: str
    payload: dict[str, Any]
    search_text: str = ""
    briefing_id: str | None = None


async def enqueue_alert(
    conn: aiosqlite.Connection,
    alert: NewAlert,
    now: float,
    *,
    subscription_ids: Sequence[int] | None = None,
    everyone: bool = False,
) -> int:
    """Store an alert and fan it out to matching active instant subscriptions.

    ``subscription_ids`` names the targets instead (a digest); ``everyone`` sends to every
    active subscription whatever its mode and keywords (an operator's broadcast).

    A dedup key seen before queues nothing, so the same content never alerts twice, even
    when a restart replays the reload. Returns the number of deliveries queued.
    """
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO alerts (kind, briefing_id, dedup_key, payload, search_text, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (alert.kind, alert.briefing_id, alert.dedup_key, json.dumps(alert.payload, ensure_ascii=False),
         alert.search_text, now),
    )
    if cursor.rowcount == 0:
        return 0
    alert_id = cursor.lastrowid
    if subscription_ids is not None:
        targets = list(subscription_ids)
    elif everyone:
        async with conn.execute("SELECT id FROM subscriptions WHERE active = 1") as rows:
            targets = [row[0] async for row in rows]
    else:
        targets = []
        async with conn.execute(
            "SELECT id, keywords FROM subscriptions WHERE active = 1 AND mode = 'instant' AND started_at <= ?",
            (now,),
        ) as rows:
            async for sub_id, keywords in rows:
                if keywords == "[]" or keywords_match(json.loads(keywords), alert.search_text):
                    targets.append(sub_id)
    await conn.executemany(
        "INSERT OR IGNORE INTO deliveries (alert_id, subscription_id, next_attempt_at, created_at) VALUES (?, ?, ?, ?)",
        [(alert_id, sub_id, now, now) for sub_id in targets],
    )
    return len(targets)


class OutboxRepository:
    def __init__(self, db: Database):
        self.db = db

    async def enqueue(self, alert: NewAlert, now: float, *, everyone: bool = False) -> int:
        """Store an alert for the matching instant subscriptions (or ``everyone`` active)."""
        async with self.db.transaction() as conn:
            return await enqueue_alert(conn, alert, now, everyone=everyone)

    async def queue_digest(self, subscription_id: int, day: str, alert: NewAlert, now: float) -> int:
        """A subscription's digest for a local day, and the note that it is queued, together."""
        async with self.db.transaction() as conn:
            queued = await enqueue_alert(conn, alert, now, subscription_ids=[subscription_id])
            await conn.execute(
                "UPDATE subscriptions SET last_digest_date = ? WHERE id = ?", (day, subscription_id)
            )
            return queued

    async def release_in_flight(self) -> int:
        """At start: rows a previous process claimed but never finished go back to pending."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'")
            return cursor.rowcount

    async def claim_due(self, now: float, limit: int, platforms: Sequence[str]) -> list[Delivery]:
        if not platforms:
            return []
        marks = ",".join("?" for _ in platforms)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT d.id, d.alert_id, d.attempts, s.id, s.platform, s.chat_id, s.thread_id, a.kind, a.payload "
                "FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id JOIN alerts a ON a.id = d.alert_id "
                f"WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND s.active = 1 AND s.platform IN ({marks}) "
                "ORDER BY d.next_attempt_at, d.id LIMIT ?",
                (now, *platforms, limit),
            ) as cursor:
                rows = await cursor.fetchall()
            await conn.executemany(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                [(row[0],) for row in rows],
            )
        payloads: dict[int, dict] = {}
        out = []
        for row in rows:
            payload = payloads.get(row[1])
            if payload is None:  # one alert fans out to many rows: decode it once
                payload = payloads[row[1]] = json.loads(row[8])
            out.append(Delivery(row[0], row[1], row[2] + 1, row[3], row[4], row[5], row[6], row[7], payload))
        return out

    async def finish(
        self,
        sent: Sequence[tuple[int, int]],
        retry: Sequence[tuple[int, float, str]],
        failed: Sequence[tuple[int, str]],
        now: float,
    ) -> None:
        """Record a batch of outcomes in one transaction.

        sent: (delivery id, subscription id); retry: (delivery id, next attempt, error);
        failed: (delivery id, error).
        """
        async with self.db.transaction() as conn:
            if sent:
                await conn.executemany(
                    "UPDATE deliveries SET status = 'sent', finished_at = ?, last_error = NULL WHERE id = ?",
                    [(now, d) for d, _ in sent],
                )
                await conn.executemany(
                    "UPDATE subscriptions SET last_delivery_at = ? WHERE id = ?",
                    [(now, s) for s in sorted({s for _, s in sent})],
                )
            if retry:
                await conn.executemany(
                    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, last_error = ? WHERE id = ?",
                    [(at, err[:500], d) for d, at, err in retry],
                )
            if failed:
                await conn.executemany(
                    "UPDATE deliveries SET status = 'failed', finished_at = ?, last_error = ? WHERE id = ?",
                    [(now, err[:500], d) for d, err in failed],
                )

    async def skip_inactive(self, now: float) -> int:
        """Pending deliveries of subscriptions that became inactive or were removed are dropped."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE deliveries SET status = 'skipped', finished_at = ? WHERE status = 'pending' "
                "AND subscription_id IN (SELECT id FROM subscriptions WHERE active = 0)",
                (now,),
            )
            return cursor.rowcount

    async def stats(self, now: float) -> OutboxStats:
        row = await self.db.aggregate(
            "SELECT "
            "(SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending')), "
            "(SELECT MIN(created_at) FROM deliveries WHERE status IN ('pending', 'sending')), "
            "(SELECT COUNT(*) FROM deliveries WHERE status = 'sent' AND finished_at >= ?), "
            "(SELECT COUNT(*) FROM deliveries WHERE status = 'failed' AND finished_at >= ?)",
            (now - 3600, now - 3600),
        )
        return OutboxStats(int(row[0]), row[1], int(row[2]), int(row[3]))

    async def next_due_at(self, platforms: Sequence[str]) -> float | None:
        """When the earliest pending delivery to any of these platforms falls due."""
        if not platforms:
            return None
        marks = ",".join("?" for _ in platforms)
        return await self.db.scalar(
            "SELECT MIN(d.next_attempt_at) FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
            f"WHERE d.status = 'pending' AND s.active = 1 AND s.platform IN ({marks})",
            list(platforms),
        )

    async def alerts_since(self, since: float, until: float) -> list[tuple[str, dict, str]]:
        """(kind, payload, search text) of briefing alerts in a window, oldest first (for digests)."""
        rows = await self.db.fetchall(
            "SELECT kind, payload, search_text FROM alerts WHERE created_at > ? AND created_at <= ? "
            "AND kind IN ('new', 'changed') ORDER BY id",
            (since, until),
        )
        return [(row[0], json.loads(row[1]), row[2]) for row in rows]

    async def prune(self, before: float) -> int:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM deliveries WHERE status IN ('sent', 'failed', 'skipped') AND finished_at < ?",
                (before,),
            )
            await conn.execute(
                "DELETE FROM alerts WHERE created_at < ? AND id NOT IN (SELECT alert_id FROM deliveries)",
                (before,),
            )
            return cursor.rowcount

    async def acquire_lease(self, name: str, holder: str, ttl: float, now: float) -> bool:
        """Take or renew the named lease; only one holder at a time until it expires."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "holder = excluded.holder, expires_at = excluded.expires_at "
                "WHERE leases.holder = excluded.holder OR leases.expires_at < ?",
                (name, holder, now + ttl, now),
            )
            async with conn.execute("SELECT holder FROM leases WHERE name = ?", (name,)) as cursor:
                row = await cursor.fetchone()
        return row is not None and row[0] == holder

    async def release_lease(self, name: str, holder: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
