"""The delivery worker: drains due outbox rows through each platform's sender and limiter.

On SQLite only the holder of the 'delivery' lease sends, so two instances during a deploy
never double-send; on PostgreSQL every process sends the rows it claimed (bot.fleet).
Outcomes are written back in batches, each within FLUSH_AFTER of its first outcome (sooner
when FLUSH_EVERY have come), which bounds what a crash can send twice to the sends in flight
and those of the last moment before it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.alerts.compose import alert_reply
from bot.alerts.limiter import RateLimiter
from bot.core import Core
from bot.i18n import DEFAULT
from bot.outcome import Outcome
from bot.reply import Reply
from storage.outbox import CLAIM_SECONDS, Delivery

log = logging.getLogger(__name__)

LEASE = "delivery"
MAX_ATTEMPTS = 10  # for errors other than rate limits, which are always waited out
MAX_BACKOFF = 900.0
DEFER_OVER = 1.0  # a chat busier than this many seconds ahead waits in the outbox, not in a task
FLUSH_EVERY = 128  # outcomes written in one statement at most; a fan-out's batches are this big
FLUSH_AFTER = 0.02  # seconds an outcome may wait to be written: at 30 messages a second, one by one
CLAIM_AHEAD = 0.25  # seconds of sends at a platform's pace kept claimed ahead of its lanes
MAX_CLAIM_AHEAD = 256  # ... and never more rows than this (an unlimited platform's claim)


class Sender(Protocol):
    """A front-end's way to deliver an alert to one chat (or thread)."""

    platform: str

    async def deliver(self, chat_id: int, thread_id: int, reply: Reply) -> Outcome: ...


def _observed(outcome: Outcome) -> str:
    if outcome.status == "sent":
        return "sent"
    if outcome.status == "retry":
        return "rate_limited" if outcome.rate_limited else "retried"
    if outcome.status == "moved":
        return "retried"
    return "failed"


_JITTER = random.Random()


def backoff(attempts: int, rng: random.Random = _JITTER) -> float:
    """Exponential backoff with full jitter: 2, 4, 8 ... seconds, at most 15 minutes."""
    return rng.uniform(0.5, 1.0) * min(MAX_BACKOFF, 2.0**attempts)


@dataclass
class _Results:
    sent: list[tuple[int, int]] = field(default_factory=list)
    retry: list[tuple[int, float, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sent) + len(self.retry) + len(self.failed)

    def merge(self, other: _Results) -> None:
        self.sent += other.sent
        self.retry += other.retry
        self.failed += other.failed


@dataclass
class _Run:
    """One `run_once`: claimed rows waiting per platform, and how the claimer and the lanes meet."""

    waiting: dict[str, deque[Delivery]]
    in_flight: int = 0  # claimed and not yet sent
    total: int = 0
    claiming: bool = True
    queued: asyncio.Event = field(default_factory=asyncio.Event)  # rows were queued, or claiming ended
    wake_at: int = 0  # the claimer waits until no more than this many are in flight
    progress: asyncio.Event = field(default_factory=asyncio.Event)  # in_flight reached wake_at


class DeliveryWorker:
    def __init__(
        self,
        core: Core,
        senders: dict[str, Sender],
        limiters: dict[str, RateLimiter],
        *,
        concurrency: dict[str, int] | None = None,
        lease_seconds: float = 15.0,
        claim_seconds: float = CLAIM_SECONDS,
        batch_size: int | None = None,
        observe: Callable[[str, str], None] | None = None,
    ):
        self.core = core
        self.observe = observe  # told (platform, "sent" | "retried" | "rate_limited" | "failed") per attempt
        self.senders = senders
        self.limiters = limiters
        self.concurrency = concurrency or {}
        self.lease_seconds = lease_seconds
        self.claim_seconds = claim_seconds  # PostgreSQL: must outlast a batch's pacing and sends
        # At most this many rows are claimed and unsent: what a crash can repeat (with the outcomes
        # not yet written back: up to FLUSH_EVERY, none older than FLUSH_AFTER).
        self.batch_size = batch_size or sum(self._claim_ahead(p) for p in senders)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.has_lease = False
        self.last_progress = core.clock()  # on the core's clock, which the watchdog reads too
        self._results = _Results()
        self._flush_lock = asyncio.Lock()
        self._recorded = asyncio.Event()  # outcomes are waiting to be written
        self._replies: dict[tuple[int, str], Reply] = {}
        self._languages: dict[tuple[str, int], str] = {}  # chats' chosen languages, read once per run

    def _claim_ahead(self, platform: str) -> int:
        """Rows to keep claimed for a platform: a few rounds of its lanes, or, when its pace is
        fast, about CLAIM_AHEAD seconds of sends, so each claim's round trip serves many rows
        while a crash still repeats only the last moment's sends."""
        rounds = 4 * max(1, self.concurrency.get(platform, 16))
        limiter = self.limiters.get(platform)
        rate = limiter.limits.per_second if limiter is not None else 0.0
        ahead = MAX_CLAIM_AHEAD if not rate else int(rate * CLAIM_AHEAD)
        return max(rounds, min(MAX_CLAIM_AHEAD, ahead))

    async def run_once(self) -> int:
        """Send everything due now; returns how many deliveries were attempted.

        A pipeline: each platform has `concurrency` lanes taking claimed rows in order, and
        rows are claimed as earlier sends finish, so the lanes never wait for the slowest send
        of a batch, and at most `batch_size` rows are claimed but unsent.
        """
        if not self.senders or not await self._hold_lease():
            return 0
        self._languages = await self.core.chat_languages()
        run = _Run({p: deque() for p in self.senders})
        lanes = [
            asyncio.create_task(self._lane(run, platform))
            for platform in self.senders
            for _ in range(max(1, self.concurrency.get(platform, 16)))
        ]
        writer = asyncio.create_task(self._write_outcomes_in_time())
        renew_at = time.monotonic() + self.lease_seconds / 3
        try:
            while True:
                room = self.batch_size - run.in_flight
                batch = (
                    await self.core.outbox.claim_due(
                        self.core.clock(), room, list(self.senders), claim_seconds=self.claim_seconds
                    )
                    if room > 0
                    else []
                )
                for d in batch:
                    run.waiting[d.platform].append(d)
                run.in_flight += len(batch)
                run.total += len(batch)
                if batch:
                    run.queued.set()
                if not run.in_flight:
                    break
                # Claim more once half the claimed rows are sent; if nothing was due, as soon as
                # one is (its outcome may be a retry that is due at once).
                run.wake_at = self.batch_size // 2 if batch else run.in_flight - 1
                while run.in_flight > run.wake_at:
                    run.progress.clear()
                    await run.progress.wait()
                if time.monotonic() > renew_at:
                    renew_at = time.monotonic() + self.lease_seconds / 3
                    if not await self._hold_lease():
                        break
        finally:
            run.claiming = False  # lanes send what is already claimed, then end
            run.queued.set()
            await asyncio.gather(*lanes, return_exceptions=True)
            writer.cancel()  # a write it started goes on (shielded); ours waits for its lock
            await asyncio.gather(writer, return_exceptions=True)
            await self._flush()
        if run.total:
            await self.core.state.set("last_delivery_at", repr(self.core.clock()))
        return run.total

    async def release(self) -> None:
        if self.has_lease:
            await self.core.outbox.release_lease(LEASE, self.holder)
            self.has_lease = False

    async def _hold_lease(self) -> bool:
        if self.core.fleet.shared:
            # PostgreSQL: every process delivers; SKIP LOCKED claims keep their rows apart.
            self.has_lease = True
            return True
        held = await self.core.outbox.acquire_lease(LEASE, self.holder, self.lease_seconds, self.core.clock())
        if held and not self.has_lease:
            # Whatever a previous holder left half-sent is ours to send again now.
            released = await self.core.outbox.release_in_flight()
            if released:
                log.warning("%d deliveries claimed but never finished will be sent again", released)
        self.has_lease = held
        return held

    async def _lane(self, run: _Run, platform: str) -> None:
        """One of a platform's concurrent senders: takes claimed rows in order until none are left."""
        waiting = run.waiting[platform]
        while waiting or run.claiming:
            if not waiting:
                run.queued.clear()
                await run.queued.wait()
                continue
            d = waiting.popleft()
            try:
                await self._deliver(d)
            except Exception:  # recording failed (the database): the row stays claimed, sent again later
                log.exception("delivery %d to %s chat %s could not be recorded", d.id, d.platform, d.chat_id)
            finally:
                run.in_flight -= 1
                if run.in_flight <= run.wake_at:  # wake the claimer only when it has room to claim
                    run.progress.set()
            if len(self._results) >= FLUSH_EVERY and not self._flush_lock.locked():
                await self._flush()  # one at a time; the next lane to finish writes what came meanwhile

    async def _deliver(self, d: Delivery) -> None:
        limiter = self.limiters.get(d.platform)
        if limiter is not None:
            busy_for = limiter.chat_ready_in(d.chat_id)
            if busy_for > DEFER_OVER:
                # This chat is busy for a while: the row waits in the outbox, not in a task.
                self._results.retry.append((d.id, self.core.clock() + busy_for, "chat rate limit"))
                self._recorded.set()
                return
            wait = limiter.reserve(d.chat_id)
            if wait > 0:
                await asyncio.sleep(wait)  # pacing under the platform's limits
        try:
            outcome = await self.senders[d.platform].deliver(d.chat_id, d.thread_id, self._reply(d))
        except Exception as exc:  # a sender bug must not stall the queue
            log.exception("delivery %d to %s chat %s failed unexpectedly", d.id, d.platform, d.chat_id)
            outcome = Outcome("retry", f"{type(exc).__name__}: {exc}")
        if outcome.status == "moved" and outcome.new_chat_id:
            await self.core.chat_moved(d.platform, d.chat_id, outcome.new_chat_id)
        elif outcome.status == "gone":
            await self.core.chat_gone(d.platform, d.chat_id, outcome.error)
        self._record(d, outcome, limiter)

    async def _write_outcomes_in_time(self) -> None:
        """Write outcomes that waited FLUSH_AFTER, so that a slow or paused fan-out (30 messages a
        second, or a platform's 429) does not hold many sent messages unrecorded."""
        while True:
            await self._recorded.wait()
            await asyncio.sleep(FLUSH_AFTER)
            self._recorded.clear()
            await asyncio.shield(self._flush())

    def _reply(self, d: Delivery) -> Reply:
        """One Reply object per alert and language, so a fan-out composes (and senders render) it
        once per language, not once per chat."""
        key = (d.alert_id, self._languages.get((d.platform, d.chat_id), DEFAULT))
        reply = self._replies.get(key)
        if reply is None:
            if len(self._replies) > 256:
                self._replies.clear()
            reply = self._replies[key] = alert_reply(d.kind, d.payload, key[1])
        return reply

    def _record(self, d: Delivery, outcome: Outcome, limiter: RateLimiter | None) -> None:
        # No await in here: a flush swaps in a new batch, and an outcome added across an await
        # could land in a batch already written, and never be written back.
        now = self.core.clock()
        self.last_progress = now
        self._recorded.set()
        if self.observe is not None:
            self.observe(d.platform, _observed(outcome))
        results = self._results
        if outcome.status == "sent":
            results.sent.append((d.id, d.subscription_id))
        elif outcome.status == "moved" and outcome.new_chat_id:
            results.retry.append((d.id, now, f"chat moved to {outcome.new_chat_id}"))
        elif outcome.status == "gone":
            results.failed.append((d.id, outcome.error))
        elif outcome.status == "retry" and (outcome.rate_limited or d.attempts < MAX_ATTEMPTS):
            if outcome.rate_limited and limiter is not None and outcome.retry_after:
                limiter.pause(outcome.retry_after)
            delay = outcome.retry_after if outcome.retry_after is not None else backoff(d.attempts)
            results.retry.append((d.id, now + delay, outcome.error))
        else:
            results.failed.append((d.id, outcome.error or outcome.status))
            log.warning("delivery %d to %s chat %s failed for good: %s", d.id, d.platform, d.chat_id, outcome.error)

    async def _flush(self) -> None:
        async with self._flush_lock:
            results, self._results = self._results, _Results()
            if not len(results):
                return
            try:
                await self.core.outbox.finish(results.sent, results.retry, results.failed, self.core.clock())
            except Exception:
                # The rows stay claimed; their outcomes go back into the next batch to write.
                log.exception("could not write %d delivery outcomes; trying again with the next batch", len(results))
                self._results.merge(results)
