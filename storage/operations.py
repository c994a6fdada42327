"""What operators look at and act on: subscription pages, deliveries, briefing versions, repairs.

Read models for the dashboard and the few repairs an operator makes (retry failed deliveries,
reactivate a subscription), kept apart from the repositories the bot's hot paths use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from storage.database import Database
from storage.subscriptions import _COLUMNS, Subscription, _subscription


@dataclass(frozen=True, slots=True)
class PlatformCount:
    platform: str
    active: int
    inactive: int


@dataclass(frozen=True, slots=True)
class DeliveryInfo:
    id: int
    platform: str
    chat_id: int
    kind: str
    status: str
    attempts: int
    created_at: float
    next_attempt_at: float | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class VersionInfo:
    version_id: int
    loaded_at: float
    data: dict


_DELIVERY = (
    "SELECT d.id, s.platform, s.chat_id, a.kind, d.status, d.attempts, d.created_at, d.next_attempt_at, d.last_error "
    "FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id JOIN alerts a ON a.id = d.alert_id "
)


class OperationsRepository:
    def __init__(self, db: Database):
        self.db = db

    async def subscriptions_by_platform(self) -> list[PlatformCount]:
        rows = await self.db.fetchall(
            "SELECT platform, SUM(active), SUM(1 - active) FROM subscriptions GROUP BY platform ORDER BY platform"
        )
        return [PlatformCount(r[0], int(r[1]), int(r[2])) for r in rows]

    async def subscription_page(
        self, offset: int, limit: int, inactive_only: bool = False
    ) -> tuple[list[Subscription], int]:
        """One page ordered by id, and how many rows the filter keeps in all."""
        where = " WHERE active = 0" if inactive_only else ""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM subscriptions{where} ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
        )
        total = await self.db.aggregate(f"SELECT COUNT(*) FROM subscriptions{where}")
        return [_subscription(r) for r in rows], int(total[0])

    async def reactivate(self, subscription_id: int, now: float) -> bool:
        """An inactive subscription becomes active again, starting from now (no backlog)."""
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE subscriptions SET active = 1, inactive_reason = NULL, updated_at = ?, started_at = ? "
                "WHERE id = ? AND active = 0",
                (now, now, subscription_id),
            )
        return changed > 0

    async def pending_deliveries(self, limit: int) -> list[DeliveryInfo]:
        rows = await self.db.fetchall(
            _DELIVERY + "WHERE (d.status = 'pending' OR d.status = 'sending') ORDER BY d.created_at, d.id LIMIT ?",
            (limit,),
        )
        claimed = self.db.dialect.in_flight()
        infos = [DeliveryInfo(*r) for r in rows]
        return [replace(d, status="sending") if d.id in claimed else d for d in infos]

    async def failed_deliveries(self, limit: int) -> list[DeliveryInfo]:
        rows = await self.db.fetchall(
            _DELIVERY + "WHERE d.status = 'failed' ORDER BY d.finished_at DESC, d.id DESC LIMIT ?", (limit,)
        )
        return [DeliveryInfo(*r) for r in rows]

    async def retry_failed(self, now: float) -> int:
        """Failed deliveries to active subscriptions go back to pending, due now, with a fresh count."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, finished_at = NULL "
                "WHERE status = 'failed' AND subscription_id IN (SELECT id FROM subscriptions WHERE active = 1)",
                (now,),
            )

    async def version_counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT briefing_id, COUNT(*) FROM briefing_versions GROUP BY briefing_id")
        return {r[0]: int(r[1]) for r in rows}

    async def versions(self, briefing_id: str) -> list[VersionInfo]:
        """Every stored version of a briefing, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, loaded_at, data FROM briefing_versions WHERE briefing_id = ? ORDER BY id", (briefing_id,)
        )
        return [VersionInfo(r[0], r[1], json.loads(r[2])) for r in rows]
