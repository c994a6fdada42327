"""The language each chat chose, keyed by (platform, chat); a chat without one has none stored."""

from __future__ import annotations

from storage.database import Database


class LanguageRepository:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, platform: str, chat_id: int) -> str | None:
        return await self.db.scalar(
            "SELECT language FROM chat_languages WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        )

    async def set(self, platform: str, chat_id: int, language: str, now: float) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO chat_languages (platform, chat_id, language, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(platform, chat_id) DO UPDATE SET language = excluded.language, "
                "updated_at = excluded.updated_at",
                (platform, chat_id, language, now),
            )

    async def set_if_unset(self, platform: str, chat_id: int, language: str, now: float) -> None:
        """Keep what a chat had, else store `language` (a chat subscribing takes its language along)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO chat_languages (platform, chat_id, language, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(platform, chat_id) DO NOTHING",
                (platform, chat_id, language, now),
            )

    async def all(self) -> dict[tuple[str, int], str]:
        """Every chat's chosen language, by (platform, chat id): one query for a delivery run."""
        rows = await self.db.fetchall("SELECT platform, chat_id, language FROM chat_languages")
        return {(row[0], int(row[1])): row[2] for row in rows}

    async def move_chat(self, platform: str, old_chat_id: int, new_chat_id: int, now: float) -> None:
        """A chat whose id changed keeps its language (unless the new id already has one)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE chat_languages SET chat_id = ?, updated_at = ? WHERE platform = ? AND chat_id = ? "
                "AND NOT EXISTS (SELECT 1 FROM chat_languages WHERE platform = ? AND chat_id = ?)",
                (new_chat_id, now, platform, old_chat_id, platform, new_chat_id),
            )
