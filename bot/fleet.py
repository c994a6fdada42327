"""This process among the others sharing one database: heartbeats, leaderships, shared rate budget.

Every few seconds the process beats in the `processes` table with its roles, and learns how
many processes are alive; each then paces its sends at 1/n of the platforms' limits, so the
fleet together stays under them without a database round trip per message. A new process
waits one heartbeat before sending, so the others have shrunk their share by then; a dead
one's share comes back to the survivors once its row goes stale (they send slower meanwhile,
never faster).

Roles held by one process at a time (Telegram polling, the Discord gateway, the feeds poller)
are leaderships: PostgreSQL advisory locks on the process's own session, which the server
releases the moment that session dies, so a survivor's next check (every second) takes over.
On SQLite there is one process and it leads everything at once.

A change to briefings committed by any process is heard here (LISTEN) and empties the
library's cache at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Protocol

from bot.core import Core
from storage.fleet import ProcessInfo

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
STALE_SECONDS = 10.0  # five missed beats: the process is dead (or cut off from the database)
LEAD_CHECK_SECONDS = 1.0
FLEET_MARGIN = 0.9  # several processes together use 90% of a platform's limits (of the limiter's 97%)

# Leadership names, the same in every process.
TELEGRAM_POLLING = "telegram-polling"
DISCORD_GATEWAY = "discord-gateway"
FEEDS = "feeds"  # the feeds poller: one process fetches, every process delivers

DELIVERING = "delivering"
ROLE_LABELS = {
    TELEGRAM_POLLING: "telegram polling leader",
    DISCORD_GATEWAY: "discord gateway",
    FEEDS: "feeds poller",
    DELIVERING: "delivering",
}

Action = Callable[[], Awaitable[None]]


class Paced(Protocol):
    """A platform's rate limiter (bot.alerts.limiter.RateLimiter): its part of the limits."""

    share: float


@dataclass
class Role:
    """A leadership and what this process does on taking it and on losing it."""

    name: str
    take: Action
    drop: Action
    held: bool = False


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Fleet:
    def __init__(
        self,
        core: Core,
        limiters: Iterable[Paced] = (),
        *,
        delivering: bool = False,
        heartbeat: float = HEARTBEAT_SECONDS,
        stale: float = STALE_SECONDS,
        lead_check: float = LEAD_CHECK_SECONDS,
    ):
        self.core = core
        self.repo = core.fleet
        self.limiters = list(limiters)
        self.delivering = delivering
        self.heartbeat = heartbeat
        self.stale = stale
        self.lead_check = lead_check
        self.id = process_id()
        self.started_at = core.clock()
        self.live: list[ProcessInfo] = []
        self._roles: dict[str, Role] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stop_listening: Action | None = None

    def add_role(self, name: str, take: Action, drop: Action) -> None:
        """Run `take` whenever this process becomes leader of `name`, `drop` when it stops being."""
        self._roles[name] = Role(name, take, drop)

    def roles(self) -> tuple[str, ...]:
        held = [name for name, role in self._roles.items() if role.held]
        return (*held, DELIVERING) if self.delivering else tuple(held)

    @property
    def share(self) -> float:
        n = len(self.live)
        # Processes pace independently: their network and scheduling jitter adds up, so a
        # fleet keeps a wider margin under the limit than one process does.
        return 1.0 if n <= 1 else FLEET_MARGIN / n

    async def start(self) -> None:
        """Join: beat, listen for changes, take the leaderships that are free. On a shared
        database, returns one heartbeat later, once the others count this process in their share."""
        self._stop_listening = await self.repo.on_briefings_changed(lambda _payload: self.core.library.invalidate())
        await self.beat()
        await self.check_leaderships()
        if self.repo.shared:
            await asyncio.sleep(self.heartbeat * 1.5)  # by now every live process has counted us
            await self.beat()  # and we count every one of them before the first send
        self._tasks = [
            asyncio.create_task(self._every(self.heartbeat, self.beat), name="fleet-heartbeat"),
            asyncio.create_task(self._every(self.lead_check, self.check_leaderships), name="fleet-leaderships"),
        ]

    async def stop(self) -> None:
        """Leave: let every leadership go (a survivor takes it within a second) and remove our row."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task
        for role in self._roles.values():
            if role.held:
                await self._drop(role)
            with suppress(Exception):
                await self.repo.release_lead(role.name)
        if self._stop_listening is not None:
            with suppress(Exception):
                await self._stop_listening()
        with suppress(Exception):
            await self.repo.leave(self.id)

    async def beat(self) -> None:
        now = self.core.clock()
        info = ProcessInfo(self.id, socket.gethostname(), os.getpid(), self.roles(), self.started_at, now)
        self.live = await self.repo.beat(info, now - self.stale)
        for limiter in self.limiters:
            limiter.share = self.share

    async def check_leaderships(self) -> None:
        for role in self._roles.values():
            try:
                leading = await self.repo.try_lead(role.name)
            except Exception as exc:  # the database is out of reach: we cannot know we still lead
                log.warning("cannot check leadership of %s: %s", role.name, exc)
                leading = False
            if leading and not role.held:
                await self._take(role)
            elif not leading and role.held:
                await self._drop(role)

    async def _take(self, role: Role) -> None:
        try:
            await role.take()
        except Exception:
            log.exception("could not take up %s; letting another process try", role.name)
            with suppress(Exception):
                await self.repo.release_lead(role.name)
            return
        role.held = True
        log.info("this process is now the %s", ROLE_LABELS.get(role.name, role.name))
        with suppress(Exception):
            await self.beat()  # /status shows the new role now, not at the next beat

    async def _drop(self, role: Role) -> None:
        role.held = False
        try:
            await role.drop()
        except Exception:
            log.exception("could not let %s go cleanly", role.name)

    async def _every(self, seconds: float, work: Action) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await work()
            except Exception as exc:
                log.warning("%s failed: %s", getattr(work, "__name__", "fleet work"), exc)


def describe(process: ProcessInfo, now: float) -> str:
    """One line of /status: where it runs, what it does, when it last beat."""
    roles = ", ".join(ROLE_LABELS.get(r, r) for r in process.roles) or "standby"
    return f"{process.host} pid {process.pid}: {roles}; heartbeat {max(0, int(now - process.beat_at))} s ago"
