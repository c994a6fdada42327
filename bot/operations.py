"""The core seen by operators: the web layer's `OperationsView`, implemented on the real core.

Read models come from storage and the library; the actions (reload, retry failed deliveries,
reactivate a subscription) are audited like the chat commands, as platform "web".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.briefing.model import Briefing, Figure
from bot.core import Core
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
from storage import AuditEntry
from storage.operations import DeliveryInfo

# Each configured front-end by platform name, and whether it is connected right now.
Connected = Callable[[], dict[str, bool]]


def _figure(f: Figure) -> FigureRow:
    value = f.value if isinstance(f.value, int | float) else None
    return FigureRow(f.about, f.text, value, f.unit, f.kind)


def _delivery(d: DeliveryInfo) -> DeliveryRow:
    return DeliveryRow(
        d.id, d.platform, d.chat_id, d.kind, d.status, d.attempts, d.created_at, d.next_attempt_at, d.last_error
    )


@dataclass
class CoreOperations:
    core: Core
    connected: Connected = dict

    async def _stamp(self, key: str) -> float | None:
        raw = await self.core.recall(key)
        return float(raw) if raw else None

    async def overview(self) -> Overview:
        now = self.core.clock()
        stats = await self.core.outbox.stats(now)
        counts = await self.core.operations.subscriptions_by_platform()
        return Overview(
            now=now,
            briefings=len(await self.core.library.listings()),
            subscriptions=tuple(PlatformSubscriptions(c.platform, c.active, c.inactive) for c in counts),
            pending=stats.pending,
            oldest_pending_at=stats.oldest_pending_at,
            sent_last_hour=stats.sent_last_hour,
            failed_last_hour=stats.failed_last_hour,
            stalled=await self.core.recall("delivery_stalled") or None,
            failing_feeds=tuple(f"{f.name} ({f.status})" for f in await self.core.feeds.repo.failing()),
            last_delivery_at=await self._stamp("last_delivery_at"),
            last_refresh_at=await self._stamp("last_refresh_at"),
            started_at=self.core.started_at,
        )

    async def briefings(self, query: str = "", limit: int = 100) -> Sequence[BriefingRow]:
        listings = await self.core.library.listings()
        if query.strip():
            matching = {hit.briefing_id for hit, _ in await self.core.library.search(query.split(), limit=500)}
            needle = query.strip().lower()
            listings = [e for e in listings if e.id in matching or needle in e.title.lower()]
        counts = await self.core.operations.version_counts()
        return [BriefingRow(e.id, e.title, e.published, e.loaded_at, counts.get(e.id, 1)) for e in listings[:limit]]

    async def briefing(self, briefing_id: str) -> BriefingDetail | None:
        entry = await self.core.library.find(briefing_id)
        if entry is None or entry.briefing.id != briefing_id:
            return None
        b = entry.briefing
        versions = []
        for v in await self.core.operations.versions(b.id):
            old = Briefing.from_json(v.data)
            versions.append(VersionRow(v.version_id, v.loaded_at, old.title, tuple(_figure(f) for f in old.figures)))
        return BriefingDetail(
            id=b.id,
            title=b.title,
            summary=b.summary,
            published=b.published,
            source=b.source,
            key_points=tuple(b.key_points),
            quotes=tuple(QuoteRow(q.text, q.speaker) for q in b.quotes),
            figures=tuple(_figure(f) for f in b.figures),
            versions=tuple(versions),
        )

    async def subscriptions(self, offset: int = 0, limit: int = 100, inactive_only: bool = False) -> SubscriptionPage:
        subs, total = await self.core.operations.subscription_page(offset, limit, inactive_only)
        rows = tuple(
            SubscriptionRow(
                s.id,
                s.platform,
                s.chat_id,
                s.thread_id,
                s.mode,
                s.digest_time,
                s.timezone,
                s.keywords,
                s.active,
                s.inactive_reason,
                s.last_delivery_at,
            )
            for s in subs
        )
        return SubscriptionPage(rows, total)

    async def deliveries(self, limit: int = 100) -> Deliveries:
        pending = await self.core.operations.pending_deliveries(limit)
        failed = await self.core.operations.failed_deliveries(limit)
        return Deliveries(tuple(map(_delivery, pending)), tuple(map(_delivery, failed)))

    async def readiness(self) -> Sequence[Check]:
        checks = []
        try:
            await self.core.briefings.count()
            checks.append(Check("database", True))
        except Exception as exc:  # any failure to read is the finding itself
            checks.append(Check("database", False, f"cannot read the database: {type(exc).__name__}"))
        for platform, up in sorted(self.connected().items()):
            checks.append(Check(platform, up, "" if up else "not connected"))
        stalled = await self.core.recall("delivery_stalled")
        checks.append(Check("delivery", not stalled, f"delivery looks stuck ({stalled})" if stalled else ""))
        loaded = await self.core.recall("last_refresh_at")
        checks.append(Check("content", bool(loaded), "" if loaded else "the content has never been loaded"))
        return checks

    async def _audit(self, operator: Operator, action: str, args: str, outcome: str) -> None:
        await self.core.audit.record(
            AuditEntry(
                self.core.clock(),
                "web",
                None,
                None,
                action,
                f"{operator.name}@{operator.address} {args}"[:500],
                outcome,
            )
        )

    async def reload(self, operator: Operator) -> ActionResult:
        report = await self.core.reload()
        await self._audit(operator, "reload", "", "ok" if report.ok else "failed")
        line = f"Reloaded: {report.summary_line()}."
        if report.errors:
            line += " Skipped: " + "; ".join(f"{name}: {reason}" for name, reason in report.errors[:5])
        return ActionResult(report.ok, line)

    async def retry_failed(self, operator: Operator) -> int:
        retried = await self.core.operations.retry_failed(self.core.clock())
        await self._audit(operator, "retry_failed", "", f"ok ({retried})")
        if retried:
            self.core.queued()
        return retried

    async def reactivate(self, subscription_id: int, operator: Operator) -> bool:
        done = await self.core.operations.reactivate(subscription_id, self.core.clock())
        await self._audit(operator, "reactivate", str(subscription_id), "ok" if done else "failed")
        return done
