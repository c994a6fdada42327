"""The statements only SQLite speaks: FTS5 search and claiming deliveries under the writer lock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from storage.database import ClaimedRow, Dialect, Transaction

if TYPE_CHECKING:
    from storage.database import Database


class SqliteDialect(Dialect):
    name = "sqlite"
    sentence_key = "rowid"

    def search_query(self, words: Sequence[str], any_word: bool) -> str:
        # Each word as an FTS5 string, so operators like NEAR or * are not interpreted.
        phrases = ['"' + w.replace('"', '""') + '"' for w in words]
        return (" OR " if any_word else " ").join(phrases)

    async def search(
        self, db: Database, query: str, briefing_id: str | None, limit: int, ranked: bool = False
    ) -> list[tuple[str, str, str]]:
        sql = (
            "SELECT briefing_id, text, highlight(sentences, 1, char(2), char(3)) FROM sentences WHERE sentences MATCH ?"
        )
        params: list = [query]
        if briefing_id is not None:
            sql += " AND briefing_id = ?"
            params.append(briefing_id)
        # Newest sentences first: FTS5 walks rowids in order and stops at the limit, where
        # ranking would score every match first (slow on a thousand briefings).
        sql += " ORDER BY rank, rowid DESC LIMIT ?" if ranked else " ORDER BY rowid DESC LIMIT ?"
        params.append(limit)
        return [(r[0], r[1], r[2]) for r in await db.fetchall(sql, params)]

    async def claim_due(
        self, db: Database, now: float, limit: int, platforms: Sequence[str], claim_seconds: float
    ) -> list[ClaimedRow]:
        # One process holds the delivery lease, so claims need no expiry here: rows left
        # 'sending' by a crash are released when the next holder takes the lease.
        marks = ",".join("?" for _ in platforms)
        async with db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT d.id, d.alert_id, d.attempts + 1, s.id, s.platform, s.chat_id, s.thread_id, a.kind, a.payload "
                "FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id JOIN alerts a ON a.id = d.alert_id "
                f"WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND s.active = 1 AND s.platform IN ({marks}) "
                "ORDER BY d.next_attempt_at, d.id LIMIT ?",
                (now, *platforms, limit),
            )
            await tx.executemany(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                [(row[0],) for row in rows],
            )
        return [ClaimedRow(*row) for row in rows]

    async def release_in_flight(self, db: Database) -> int:
        async with db.transaction() as tx:
            return await tx.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'")

    async def reset_sequences(self, tx: Transaction, tables: Sequence[str]) -> None:
        """INTEGER PRIMARY KEY continues from the largest id by itself."""
