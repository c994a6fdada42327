"""The processes sharing one database: heartbeats, the live list, and named leaderships.

Each bot process upserts its row every few seconds; rows older than the stale age are dead
processes and are dropped by whoever beats next. Leaderships (one Telegram poller, one
Discord gateway) are the backend's session locks: PostgreSQL advisory locks, released by the
server when a process dies; SQLite serves one process, which always leads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from storage.database import BRIEFINGS_CHANGED, Database, Listener


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    id: str
    host: str
    pid: int
    roles: tuple[str, ...]
    started_at: float
    beat_at: float


class FleetRepository:
    def __init__(self, db: Database):
        self.db = db

    @property
    def shared(self) -> bool:
        """True when several processes may use this database at once (PostgreSQL)."""
        return self.db.dialect.name == "postgres"

    async def beat(self, info: ProcessInfo, stale_before: float) -> list[ProcessInfo]:
        """Record this process as alive now; drop the dead; return every live process (self included)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO processes (id, host, pid, roles, started_at, beat_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET roles = excluded.roles, beat_at = excluded.beat_at",
                (info.id, info.host, info.pid, ",".join(info.roles), info.started_at, info.beat_at),
            )
            await tx.execute("DELETE FROM processes WHERE beat_at < ?", (stale_before,))
        return await self.live(stale_before)

    async def live(self, stale_before: float) -> list[ProcessInfo]:
        """Processes that beat since `stale_before`, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, host, pid, roles, started_at, beat_at FROM processes WHERE beat_at >= ? "
            "ORDER BY started_at, id",
            (stale_before,),
        )
        return [ProcessInfo(r[0], r[1], int(r[2]), tuple(x for x in r[3].split(",") if x), r[4], r[5]) for r in rows]

    async def leave(self, process_id: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM processes WHERE id = ?", (process_id,))

    async def try_lead(self, name: str) -> bool:
        return await self.db.try_lead(name)

    async def release_lead(self, name: str) -> None:
        await self.db.release_lead(name)

    async def on_briefings_changed(self, callback: Listener) -> Callable[[], Awaitable[None]]:
        """Call `callback` whenever any process commits a change to briefings (PostgreSQL)."""
        return await self.db.listen(BRIEFINGS_CHANGED, callback)
