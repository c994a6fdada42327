"""The audit log of admin commands: who, where, when, what, and whether it was allowed."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    platform: str
    user_id: int | None
    chat_id: int | None
    command: str
    args: str
    outcome: str


class AuditRepository:
    def __init__(self, db: Database):
        self.db = db

    async def record(self, entry: AuditEntry) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO audit (at, platform, user_id, chat_id, command, args, outcome) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entry.at, entry.platform, entry.user_id, entry.chat_id, entry.command, entry.args, entry.outcome),
            )

    async def recent(self, limit: int = 50) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            "SELECT at, platform, user_id, chat_id, command, args, outcome FROM audit ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [AuditEntry(*row) for row in rows]
