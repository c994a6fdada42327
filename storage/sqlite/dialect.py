"""The statements only SQLite speaks: FTS5 search, and claiming and finishing deliveries in one statement each."""

from __future__ import annotations

import json
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
        # 'sending' by a crash are released when the next holder takes the lease. One
        # statement (its own transaction) claims and answers, in one round trip.
        marks = ",".join("?" for _ in platforms)
        rows = await db.write_returning(
            "UPDATE deliveries SET status = 'sending', attempts = attempts + 1 WHERE id IN ("
            "  SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id"
            f"  WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND s.active = 1 AND s.platform IN ({marks})"
            "  ORDER BY d.next_attempt_at, d.id LIMIT ?) "
            "RETURNING id, alert_id, attempts, subscription_id, "
            "(SELECT platform FROM subscriptions s WHERE s.id = subscription_id), "
            "(SELECT chat_id FROM subscriptions s WHERE s.id = subscription_id), "
            "(SELECT thread_id FROM subscriptions s WHERE s.id = subscription_id), "
            "next_attempt_at",
            (now, *platforms, limit),
        )
        rows.sort(key=lambda row: (row[7], row[0]))  # RETURNING's order is unspecified
        return [ClaimedRow(*row[:7]) for row in rows]

    async def finish(
        self,
        db: Database,
        sent: Sequence[tuple[int, int]],
        retry: Sequence[tuple[int, float, str]],
        failed: Sequence[tuple[int, str]],
        now: float,
    ) -> None:
        # Every outcome in one statement, so one round trip; a trigger (migration 0007)
        # stamps each sent delivery's subscription in the same statement's transaction.
        outcomes = (
            [[d, "sent", None, None] for d, _ in sent]
            + [[d, "pending", at, err[:500]] for d, at, err in retry]
            + [[d, "failed", None, err[:500]] for d, err in failed]
        )
        await db.write_returning(
            "UPDATE deliveries SET status = o.value ->> 1, "
            "next_attempt_at = coalesce(o.value ->> 2, next_attempt_at), "
            "finished_at = CASE WHEN o.value ->> 1 = 'pending' THEN finished_at ELSE ? END, "
            "last_error = o.value ->> 3 "
            "FROM json_each(?) o WHERE deliveries.id = o.value ->> 0",
            (now, json.dumps(outcomes)),
        )

    async def release_in_flight(self, db: Database) -> int:
        async with db.transaction() as tx:
            return await tx.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'")

    async def reset_sequences(self, tx: Transaction, tables: Sequence[str]) -> None:
        """INTEGER PRIMARY KEY continues from the largest id by itself."""
