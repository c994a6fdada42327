"""The service's shared parts, built once from settings: storage, the library, the content loader.

Front-ends, commands and alert jobs all receive one `Core`; nothing else opens the database.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable

from bot.alerts.queue import queue_briefing_alert
from bot.content import ContentLoader, ReloadReport
from bot.library import Library
from bot.settings import Settings
from storage import AuditRepository, BriefingRepository, Database, StateRepository, SubscriptionRepository
from storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass
class Core:
    settings: Settings
    db: Database
    briefings: BriefingRepository
    library: Library
    subscriptions: SubscriptionRepository
    outbox: OutboxRepository
    audit: AuditRepository
    state: StateRepository
    loader: ContentLoader
    clock: Clock = time.time
    started_at: float = field(default_factory=time.time)
    on_queued: Callable[[], None] | None = None  # the alert jobs' "deliver now" poke

    def queued(self) -> None:
        """Something was added to the outbox: let the delivery job know without waiting."""
        if self.on_queued is not None:
            self.on_queued()

    @classmethod
    async def open(cls, settings: Settings, clock: Clock = time.time) -> Core:
        db = await Database.open(settings.db_path)
        briefings = BriefingRepository(db)
        return cls(
            settings=settings,
            db=db,
            briefings=briefings,
            library=Library(briefings),
            subscriptions=SubscriptionRepository(db),
            outbox=OutboxRepository(db),
            audit=AuditRepository(db),
            state=StateRepository(db),
            loader=ContentLoader(db, briefings, settings.content_dir, on_change=queue_briefing_alert),
            clock=clock,
        )

    async def close(self) -> None:
        await self.db.close()

    async def reload(self) -> ReloadReport:
        report = await self.loader.reload(self.clock())
        await self.state.set("last_refresh_at", repr(self.clock()))
        log.info("content reloaded: %s", report.summary_line())
        if report.added or report.changed:
            self.queued()
        return report

    async def load_if_empty(self) -> ReloadReport | None:
        """A service or CLI starting on an empty database loads the content folder first."""
        if await self.briefings.count() == 0:
            return await self.reload()
        return None
