"""The scheduler's jobs (APScheduler 3 on the service's loop): deliver, refresh, digests, clean-up, watchdog.

Every job coalesces misfires and never runs twice at once; `misfire_grace_time=None`
because APScheduler's default of 1 s silently drops a run that a busy loop made late.
Whether a digest is due is decided from the database (bot.alerts.digest), so nothing is
lost with the in-memory job store across restarts.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.alerts.digest import due_digest, previous_instant
from bot.alerts.worker import DeliveryWorker
from bot.announcements import digest_alert
from bot.core import Core
from storage.outbox import keywords_match

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


class AlertJobs:
    def __init__(self, core: Core, worker: DeliveryWorker):
        self.core = core
        self.worker = worker
        self.scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC)
        self._stalled = False
        self._delivering = asyncio.Lock()

    def start(self) -> None:
        s = self.core.settings
        now = datetime.now(UTC)
        add = self.scheduler.add_job
        add(self.deliver, "interval", seconds=max(0.1, s.delivery_interval), id="deliver", next_run_time=now)
        if s.refresh_minutes > 0:
            add(self.refresh, "interval", minutes=s.refresh_minutes, id="refresh")
        add(self.digests, "interval", seconds=30, id="digests", next_run_time=now)
        add(self.cleanup, "interval", hours=1, id="cleanup", next_run_time=now)
        add(self.watchdog, "interval", seconds=max(5.0, min(60.0, s.stall_seconds / 5)), id="watchdog")
        self.scheduler.start()
        self.core.on_queued = self.poke

    def poke(self) -> None:
        """Run the delivery job now: something was just queued."""
        job = self.scheduler.get_job("deliver")
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    async def stop(self, grace: float = 5.0) -> None:
        """Stop scheduling, let a delivery run in progress finish its batch, release the lease."""
        self.core.on_queued = None
        self.scheduler.pause()
        try:
            await asyncio.wait_for(self._delivering.acquire(), grace)
        except TimeoutError:
            log.warning("a delivery run was still going after %.0f s; its sends in flight may repeat", grace)
        self.scheduler.shutdown(wait=False)
        await self.worker.release()

    async def deliver(self) -> None:
        try:
            async with self._delivering:
                await self.worker.run_once()
        except Exception:
            log.exception("delivery run failed; it will run again")

    async def refresh(self) -> None:
        try:
            await self.core.reload(fetch_feeds=False)  # feeds keep their own intervals
        except Exception:
            log.exception("scheduled content refresh failed")

    async def cleanup(self) -> None:
        cutoff = self.core.clock() - self.core.settings.keep_delivered_days * 86400
        pruned = await self.core.outbox.prune(cutoff)
        if pruned:
            log.info("pruned %d finished deliveries", pruned)
        await self.core.outbox.skip_inactive(self.core.clock())

    async def digests(self) -> int:
        return await queue_due_digests(self.core, datetime.fromtimestamp(self.core.clock(), UTC))

    async def watchdog(self) -> None:
        """Log once when due deliveries stop moving; /status shows it until they move again."""
        now = self.core.clock()
        stats = await self.core.outbox.stats(now)
        # Only deliveries something here can send count: a platform this process does not run
        # (or the console, which never receives alerts) is not a stall.
        due = await self.core.outbox.next_due_at(list(self.worker.senders))
        limit = self.core.settings.stall_seconds
        stalled = (
            due is not None and now - due > limit and self.worker.has_lease and now - self.worker.last_progress > limit
        )
        if stalled and not self._stalled:
            age = int(now - (stats.oldest_pending_at or now))
            log.error(
                "delivery is stuck: %d pending, oldest %d s, no progress for %d s",
                stats.pending,
                age,
                int(now - self.worker.last_progress),
            )
            await self.core.state.set("delivery_stalled", f"no progress for {int(now - self.worker.last_progress)} s")
        elif not stalled and self._stalled:
            log.info("delivery is moving again")
            await self.core.state.set("delivery_stalled", "")
        self._stalled = stalled


async def queue_due_digests(core: Core, now: datetime) -> int:
    """Queue each daily subscription's digest that is due at `now` (a clock passed in)."""
    queued = 0
    for sub in await core.subscriptions.daily():
        due = due_digest(sub.digest_time or "08:00", sub.timezone, sub.last_digest_date, sub.started_at, now)
        if due is None:
            continue
        day, instant = due
        since = max(previous_instant(day, sub.digest_time or "08:00", sub.timezone).timestamp(), sub.started_at)
        items = []
        for kind, payload, text in await core.outbox.alerts_since(since, instant.timestamp()):
            # a digest limited to some feeds takes only their alerts (content-folder alerts carry no feed_id)
            if keywords_match(sub.keywords, text) and (not sub.feeds or payload.get("feed_id") in sub.feeds):
                items.append({"kind": kind, **payload})
        newest = await core.library.find(None)
        alert = digest_alert(sub.id, day, items, newest.briefing.title if newest else None)
        await core.outbox.queue_digest(sub.id, day, alert, core.clock())
        queued += 1
    if queued:
        core.queued()
    return queued
