"""What the web layer needs from the core: the `OperationsView` protocol and the values it returns.

A leaf module: it imports nothing of ours, so the core can implement it without a cycle.
Times are Unix seconds (floats), as everywhere else in the bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Operator:
    """Who acted from the dashboard, for the audit log (platform "web")."""

    name: str  # "dashboard": one shared token, so there is no per-person identity
    address: str  # the client's address as the server saw it


@dataclass(frozen=True, slots=True)
class PlatformSubscriptions:
    platform: str
    active: int
    inactive: int


@dataclass(frozen=True, slots=True)
class Overview:
    now: float
    briefings: int
    subscriptions: tuple[PlatformSubscriptions, ...]
    pending: int  # outbox depth: deliveries pending or being sent
    oldest_pending_at: float | None
    sent_last_hour: int
    failed_last_hour: int
    stalled: str | None  # the watchdog's reason while delivery is stuck, else None
    failing_feeds: tuple[str, ...]  # names of feeds whose last fetch failed (empty until feeds exist)
    last_delivery_at: float | None
    last_refresh_at: float | None
    started_at: float


@dataclass(frozen=True, slots=True)
class BriefingRow:
    id: str
    title: str
    published: str | None
    loaded_at: float
    versions: int


@dataclass(frozen=True, slots=True)
class QuoteRow:
    text: str
    speaker: str | None


@dataclass(frozen=True, slots=True)
class FigureRow:
    about: str
    text: str  # as written in the briefing: "28 villages"
    value: float | None  # None for vague amounts ("thousands")
    unit: str | None
    kind: str


@dataclass(frozen=True, slots=True)
class VersionRow:
    version_id: int
    loaded_at: float
    title: str
    figures: tuple[FigureRow, ...]


@dataclass(frozen=True, slots=True)
class BriefingDetail:
    id: str
    title: str
    summary: str
    published: str | None
    source: str | None
    key_points: tuple[str, ...]
    quotes: tuple[QuoteRow, ...]
    figures: tuple[FigureRow, ...]  # the current version's
    versions: tuple[VersionRow, ...]  # oldest first, the current one last


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    id: int
    platform: str
    chat_id: int
    thread_id: int
    mode: str  # "instant" or "daily"
    digest_time: str | None
    timezone: str
    keywords: tuple[str, ...]
    active: bool
    inactive_reason: str | None
    last_delivery_at: float | None


@dataclass(frozen=True, slots=True)
class SubscriptionPage:
    rows: tuple[SubscriptionRow, ...]
    total: int


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    platform: str
    chat_id: int
    kind: str  # "new", "changed", "digest", "broadcast"
    status: str  # "pending", "sending", "failed"
    attempts: int
    created_at: float
    next_attempt_at: float | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Deliveries:
    pending: tuple[DeliveryRow, ...]  # oldest first
    failed: tuple[DeliveryRow, ...]  # most recent first


@dataclass(frozen=True, slots=True)
class Check:
    """One readiness check: "database", "telegram", "discord", "delivery", "content"."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ActionResult:
    ok: bool
    message: str  # one line for the operator


class OperationsView(Protocol):
    """Read models and operator actions; every action is audited by the implementation."""

    async def overview(self) -> Overview: ...

    async def briefings(self, query: str = "", limit: int = 100) -> Sequence[BriefingRow]:
        """Newest first; a non-empty query keeps briefings whose title or text matches it."""
        ...

    async def briefing(self, briefing_id: str) -> BriefingDetail | None: ...

    async def subscriptions(self, offset: int = 0, limit: int = 100, inactive_only: bool = False) -> SubscriptionPage:
        """Ordered by id; `total` counts every row the filter keeps, not just this page."""
        ...

    async def deliveries(self, limit: int = 100) -> Deliveries: ...

    async def readiness(self) -> Sequence[Check]: ...

    async def reload(self, operator: Operator) -> ActionResult: ...

    async def retry_failed(self, operator: Operator) -> int:
        """Make failed deliveries pending again; returns how many."""
        ...

    async def reactivate(self, subscription_id: int, operator: Operator) -> bool:
        """Mark an inactive subscription active again; False when there is none such."""
        ...
