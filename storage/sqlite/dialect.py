"""The statements only SQLite speaks: FTS5 search, and claiming and finishing deliveries in one statement each
(claims kept in this process's memory: one process holds the delivery lease)."""

from __future__ import annotations

import json
from collections.abc import Sequence, Set
from typing import TYPE_CHECKING

from storage.database import ClaimedRow, Dialect, Transaction

if TYPE_CHECKING:
    from storage.database import Database


class SqliteDialect(Dialect):
    name = "sqlite"
    sentence_key = "rowid"

    def __init__(self) -> None:
        # Deliveries this process claimed and has not finished. One process holds the delivery
        # lease, so a claim needs no mark in the file: this set keeps claimed rows out of the
        # next claim, and a crash forgets it, so the next holder sends those rows again (as it
        # would rows marked 'sending'). Not writing the mark is a third of the outbox's work.
        self._claimed: set[int] = set()

    def in_flight(self) -> Set[int]:
        return frozenset(self._claimed)

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
        marks = ",".join("?" for _ in platforms)
        rows = await db.short_statements(
            [
                (
                    "SELECT d.id, d.alert_id, d.attempts + 1, d.subscription_id, s.platform, s.chat_id, s.thread_id "
                    "FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                    f"WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND s.active = 1 AND s.platform IN ({marks}) "
                    "AND d.id NOT IN (SELECT value FROM json_each(?)) "
                    "ORDER BY d.next_attempt_at, d.id LIMIT ?",
                    (now, *platforms, json.dumps(list(self._claimed)), limit),
                )
            ]
        )
        self._claimed.update(row[0] for row in rows)
        return [ClaimedRow(*row) for row in rows]

    async def finish(
        self,
        db: Database,
        sent: Sequence[tuple[int, int]],
        retry: Sequence[tuple[int, float, str]],
        failed: Sequence[tuple[int, str]],
        now: float,
    ) -> None:
        # Sent rows (nearly all of a fan-out) in one statement over their ids, the rest in one
        # over (id, status, next attempt, error); both in one transaction. A trigger (migration
        # 0007) stamps each sent delivery's subscription in the same transaction.
        statements: list[tuple[str, tuple]] = []
        if sent:
            statements.append(
                (
                    "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, finished_at = ?, "
                    "last_error = NULL WHERE id IN (SELECT value FROM json_each(?))",
                    (now, json.dumps([d for d, _ in sent])),
                )
            )
        others = [[d, "pending", at, err[:500]] for d, at, err in retry] + [
            [d, "failed", None, err[:500]] for d, err in failed
        ]
        if others:
            statements.append(
                (
                    "UPDATE deliveries SET status = o.value ->> 1, attempts = attempts + 1, "
                    "next_attempt_at = coalesce(o.value ->> 2, next_attempt_at), "
                    "finished_at = CASE WHEN o.value ->> 1 = 'pending' THEN finished_at ELSE ? END, "
                    "last_error = o.value ->> 3 "
                    "FROM json_each(?) o WHERE deliveries.id = o.value ->> 0",
                    (now, json.dumps(others)),
                )
            )
        await db.short_statements(statements)
        self._claimed.difference_update(d for d, *_ in (*sent, *retry, *failed))

    async def release_in_flight(self, db: Database) -> int:
        released = len(self._claimed)
        self._claimed.clear()
        async with db.transaction() as tx:  # rows an earlier version marked 'sending'
            return released + await tx.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'")

    async def reset_sequences(self, tx: Transaction, tables: Sequence[str]) -> None:
        """INTEGER PRIMARY KEY continues from the largest id by itself."""
