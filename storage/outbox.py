"""The durable outbox: alerts, their per-subscription deliveries, and the delivery lease.

An alert fans out into one delivery row per matching subscription in the caller's
transaction, so content and its alerts commit together. The worker claims due rows and marks
them sent, retried or failed; only rows claimed and not yet finished can be sent twice by a
crash. On SQLite one process holds the delivery lease and keeps its claims in memory (a crash
forgets them, and the next holder sends those rows again). On PostgreSQL several processes
claim at once (status 'sending', SKIP LOCKED) and a claim expires instead, so a dead
process's rows come back while the others keep theirs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from storage.database import ClaimedRow, Database, Transaction

FAN_OUT_STATISTICS = 1000  # a fan-out this big changes the plan of the claims that follow
CACHED_ALERTS = 64  # decoded alerts kept for the claims that follow
CLAIM_SECONDS = 300.0  # longer than any send with its retries; a dead process's rows wait this long


class Delivery(NamedTuple):
    """A claimed delivery with its alert (a tuple: one is built per row claimed, so cheaply)."""

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


def feeds_match(feeds_json: str, feed_id: int | None) -> bool:
    """A subscription limited to some feeds (a JSON list of ids) takes only alerts those feeds brought."""
    return feeds_json == "[]" or (feed_id is not None and feed_id in json.loads(feeds_json))


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert to store: ``dedup_key`` is unique, so the same content never alerts twice."""

    kind: str
    dedup_key: str
    payload: dict[str, Any]
    search_text: str = ""
    briefing_id: str | None = None
    feed_id: int | None = None  # the feed that brought it: subscriptions limited to feeds match on it


async def enqueue_alert(
    tx: Transaction,
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
    alert_id = await tx.scalar(
        "INSERT INTO alerts (kind, briefing_id, dedup_key, payload, search_text, created_at, feed_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
        (
            alert.kind,
            alert.briefing_id,
            alert.dedup_key,
            json.dumps(alert.payload, ensure_ascii=False),
            alert.search_text,
            now,
            alert.feed_id,
        ),
    )
    if alert_id is None:
        return 0
    if subscription_ids is not None:
        targets = list(subscription_ids)
    elif everyone:
        targets = [row[0] for row in await tx.fetchall("SELECT id FROM subscriptions WHERE active = 1")]
    else:
        rows = await tx.fetchall(
            "SELECT id, keywords, feeds FROM subscriptions WHERE active = 1 AND mode = 'instant' AND started_at <= ?",
            (now,),
        )
        targets = [
            sub_id
            for sub_id, keywords, feeds in rows
            if (keywords == "[]" or keywords_match(json.loads(keywords), alert.search_text))
            and feeds_match(feeds, alert.feed_id)
        ]
    await tx.executemany(
        "INSERT INTO deliveries (alert_id, subscription_id, next_attempt_at, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [(alert_id, sub_id, now, now) for sub_id in targets],
    )
    if len(targets) >= FAN_OUT_STATISTICS:
        await tx.refresh_statistics(("deliveries", "subscriptions"))
    return len(targets)


class OutboxRepository:
    def __init__(self, db: Database):
        self.db = db
        # Alerts never change once stored, and a fan-out claims the same one batch after batch.
        self._alerts: dict[int, tuple[str, dict]] = {}

    async def enqueue(self, alert: NewAlert, now: float, *, everyone: bool = False) -> int:
        """Store an alert for the matching instant subscriptions (or ``everyone`` active)."""
        async with self.db.transaction() as tx:
            return await enqueue_alert(tx, alert, now, everyone=everyone)

    async def queue_digest(self, subscription_id: int, day: str, alert: NewAlert, now: float) -> int:
        """A subscription's digest for a local day, and the note that it is queued, together."""
        async with self.db.transaction() as tx:
            queued = await enqueue_alert(tx, alert, now, subscription_ids=[subscription_id])
            await tx.execute("UPDATE subscriptions SET last_digest_date = ? WHERE id = ?", (day, subscription_id))
            return queued

    async def release_in_flight(self) -> int:
        """When the delivery lease is taken: claims not finished are forgotten, so those rows are
        due again (SQLite; on PostgreSQL claims expire instead, so this releases nothing)."""
        return await self.db.dialect.release_in_flight(self.db)

    async def claim_due(
        self, now: float, limit: int, platforms: Sequence[str], *, claim_seconds: float = CLAIM_SECONDS
    ) -> list[Delivery]:
        """Claim up to `limit` due deliveries for this process, and return them.

        On PostgreSQL a claim not finished within `claim_seconds` is due again (its process died).
        """
        if not platforms:
            return []
        rows = await self.db.dialect.claim_due(self.db, now, limit, platforms, claim_seconds)
        if not rows:
            return []
        alerts = await self._alerts_of(rows)
        return [
            Delivery(
                row.id,
                row.alert_id,
                row.attempts,
                row.subscription_id,
                row.platform,
                row.chat_id,
                row.thread_id,
                *alerts[row.alert_id],
            )
            for row in rows
        ]

    async def _alerts_of(self, rows: Sequence[ClaimedRow]) -> dict[int, tuple[str, dict]]:
        """Each claimed row's alert (kind, payload), read and decoded once per alert, not per row."""
        alerts = self._alerts
        missing = {row.alert_id for row in rows if row.alert_id not in alerts}
        if missing:
            if len(alerts) + len(missing) > CACHED_ALERTS:
                alerts.clear()  # and read every alert this batch needs, not only the new ones
                missing = {row.alert_id for row in rows}
            marks = ",".join("?" for _ in missing)
            for alert_id, kind, payload in await self.db.fetchall(
                f"SELECT id, kind, payload FROM alerts WHERE id IN ({marks})", sorted(missing)
            ):
                alerts[alert_id] = (kind, json.loads(payload))
        return alerts

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
        if sent or retry or failed:
            await self.db.dialect.finish(self.db, sent, retry, failed, now)

    async def skip_inactive(self, now: float) -> int:
        """Pending deliveries of subscriptions that became inactive or were removed are dropped."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "UPDATE deliveries SET status = 'skipped', finished_at = ? WHERE status = 'pending' "
                "AND subscription_id IN (SELECT id FROM subscriptions WHERE active = 0)",
                (now,),
            )

    async def stats(self, now: float) -> OutboxStats:
        row = await self.db.aggregate(
            "SELECT "
            "(SELECT COUNT(*) FROM deliveries WHERE status = 'pending' OR status = 'sending'), "
            "(SELECT MIN(created_at) FROM deliveries WHERE status = 'pending' OR status = 'sending'), "
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
        async with self.db.transaction() as tx:
            deleted = await tx.execute(
                "DELETE FROM deliveries WHERE status IN ('sent', 'failed', 'skipped') AND finished_at < ?",
                (before,),
            )
            await tx.execute(
                "DELETE FROM alerts WHERE created_at < ? AND id NOT IN (SELECT alert_id FROM deliveries)",
                (before,),
            )
            return deleted

    async def acquire_lease(self, name: str, holder: str, ttl: float, now: float) -> bool:
        """Take or renew the named lease; only one holder at a time until it expires."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "holder = excluded.holder, expires_at = excluded.expires_at "
                "WHERE leases.holder = excluded.holder OR leases.expires_at < ?",
                (name, holder, now + ttl, now),
            )
            row = await tx.fetchone("SELECT holder FROM leases WHERE name = ?", (name,))
        return row is not None and row[0] == holder

    async def release_lease(self, name: str, holder: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
