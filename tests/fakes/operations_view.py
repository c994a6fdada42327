"""An in-memory `OperationsView` (our own interface): what the web layer reads and the actions it takes.

Tests fill it with briefings, subscriptions and deliveries, flip readiness checks, and read
`audit` to see which operator actions arrived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from aiohttp import web

from bot.web.ports import (
    ActionResult,
    BriefingDetail,
    BriefingRow,
    Check,
    Deliveries,
    DeliveryRow,
    FigureRow,
    Operator,
    Overview,
    PlatformSubscriptions,
    QuoteRow,
    SubscriptionPage,
    SubscriptionRow,
    VersionRow,
)
from bot.web.server import WebServer

NOW = 1_790_000_000.0


def figure(about: str, value: float | None, unit: str | None = None, text: str | None = None) -> FigureRow:
    shown = text or (f"{value:g} {unit}" if unit else f"{value:g}")
    return FigureRow(about=about, text=shown, value=value, unit=unit, kind="count")


def briefing(
    briefing_id: str,
    title: str,
    versions: list[list[FigureRow]],
    *,
    summary: str = "A summary.",
    at: float = NOW - 3600,
) -> BriefingDetail:
    rows = tuple(VersionRow(i + 1, at + i * 600, title, tuple(figs)) for i, figs in enumerate(versions))
    return BriefingDetail(
        id=briefing_id,
        title=title,
        summary=summary,
        published="2026-12-01",
        source="Wire",
        key_points=("First point.", "Second point."),
        quotes=(QuoteRow("We will hold the line.", "A commander"),),
        figures=rows[-1].figures,
        versions=rows,
    )


@dataclass
class InMemoryOperations:
    now: float = NOW
    briefing_list: list[BriefingDetail] = field(default_factory=list)
    subscription_list: list[SubscriptionRow] = field(default_factory=list)
    pending: list[DeliveryRow] = field(default_factory=list)
    failed: list[DeliveryRow] = field(default_factory=list)
    checks: dict[str, tuple[bool, str]] = field(
        default_factory=lambda: {
            "database": (True, ""),
            "telegram": (True, ""),
            "delivery": (True, ""),
            "content": (True, ""),
        }
    )
    stalled: str | None = None
    broken: Exception | None = None  # raised by every read: a database that cannot be read
    audit: list[tuple[str, Operator, str]] = field(default_factory=list)
    reloads: int = 0

    def _read(self) -> None:
        if self.broken is not None:
            raise self.broken

    async def overview(self) -> Overview:
        self._read()
        platforms = sorted({s.platform for s in self.subscription_list})
        return Overview(
            now=self.now,
            briefings=len(self.briefing_list),
            subscriptions=tuple(
                PlatformSubscriptions(
                    p,
                    sum(s.active for s in self.subscription_list if s.platform == p),
                    sum(not s.active for s in self.subscription_list if s.platform == p),
                )
                for p in platforms
            ),
            pending=len(self.pending),
            oldest_pending_at=min((d.created_at for d in self.pending), default=None),
            sent_last_hour=7,
            failed_last_hour=len(self.failed),
            stalled=self.stalled,
            failing_feeds=(),
            last_delivery_at=self.now - 30,
            last_refresh_at=self.now - 300,
            started_at=self.now - 86400,
        )

    async def briefings(self, query: str = "", limit: int = 100) -> list[BriefingRow]:
        self._read()
        words = query.lower().split()
        rows = [
            BriefingRow(b.id, b.title, b.published, b.versions[-1].loaded_at, len(b.versions))
            for b in self.briefing_list
            if all(w in (b.title + " " + b.summary).lower() for w in words)
        ]
        return rows[:limit]

    async def briefing(self, briefing_id: str) -> BriefingDetail | None:
        self._read()
        return next((b for b in self.briefing_list if b.id == briefing_id), None)

    async def subscriptions(self, offset: int = 0, limit: int = 100, inactive_only: bool = False) -> SubscriptionPage:
        self._read()
        rows = [s for s in self.subscription_list if not (inactive_only and s.active)]
        return SubscriptionPage(tuple(rows[offset : offset + limit]), len(rows))

    async def deliveries(self, limit: int = 100) -> Deliveries:
        self._read()
        return Deliveries(tuple(self.pending[:limit]), tuple(self.failed[:limit]))

    async def readiness(self) -> list[Check]:
        self._read()
        return [Check(name, ok, detail) for name, (ok, detail) in self.checks.items()]

    async def reload(self, operator: Operator) -> ActionResult:
        self.reloads += 1
        self.audit.append(("reload", operator, "ok"))
        return ActionResult(True, f"Reloaded: {len(self.briefing_list)} briefings, none changed.")

    async def retry_failed(self, operator: Operator) -> int:
        count = len(self.failed)
        self.pending.extend(replace(d, status="pending") for d in self.failed)
        self.failed.clear()
        self.audit.append(("retry_failed", operator, str(count)))
        return count

    async def reactivate(self, subscription_id: int, operator: Operator) -> bool:
        for index, sub in enumerate(self.subscription_list):
            if sub.id == subscription_id and not sub.active:
                self.subscription_list[index] = replace(sub, active=True, inactive_reason=None)
                self.audit.append(("reactivate", operator, str(subscription_id)))
                return True
        return False


def subscription(
    sub_id: int,
    platform: str = "telegram",
    *,
    active: bool = True,
    reason: str | None = None,
    keywords: tuple[str, ...] = (),
) -> SubscriptionRow:
    return SubscriptionRow(
        id=sub_id,
        platform=platform,
        chat_id=-100_000 - sub_id,
        thread_id=0,
        mode="instant",
        digest_time=None,
        timezone="UTC",
        keywords=keywords,
        active=active,
        inactive_reason=reason,
        last_delivery_at=NOW - 60,
    )


def delivery(delivery_id: int, status: str, error: str | None = None, age: float = 120) -> DeliveryRow:
    return DeliveryRow(
        id=delivery_id,
        platform="telegram",
        chat_id=-100_000 - delivery_id,
        kind="changed",
        status=status,
        attempts=3 if status == "failed" else 1,
        created_at=NOW - age,
        next_attempt_at=NOW + 5,
        last_error=error,
    )


@asynccontextmanager
async def running(app: web.Application) -> AsyncIterator[str]:
    """Serve an app on a free loopback port; yields its base URL."""
    server = WebServer(app)
    address = await server.start(("127.0.0.1", 0))
    try:
        yield f"http://{address}"
    finally:
        await server.stop()
