"""Small pieces of service state that must survive restarts (last refresh, last delivery)."""

from __future__ import annotations

from storage.database import Database


class StateRepository:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, key: str) -> str | None:
        return await self.db.scalar("SELECT value FROM service_state WHERE key = ?", (key,))

    async def set(self, key: str, value: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO service_state (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
