"""The statements only PostgreSQL speaks: websearch full-text search, SKIP LOCKED claims, sequences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from storage.database import ClaimedRow, Dialect, Transaction

if TYPE_CHECKING:
    from storage.database import Database

WORD_CHARS = 200  # a longer "word" cannot be a lexeme of any sentence; hostile input stays small
QUERY_WORDS = 32
# Copied ids are kept, so these tables' identities must continue above the largest one.
IDENTITY_TABLES = frozenset({"briefing_versions", "sentences", "subscriptions", "audit", "alerts", "deliveries"})


class PostgresDialect(Dialect):
    name = "postgres"
    sentence_key = "id"

    def search_query(self, words: Sequence[str], any_word: bool) -> str:
        # websearch_to_tsquery never raises on syntax; quoting each word makes it a phrase
        # of plain lexemes, so "or", "-" and quotes typed by a user are not operators.
        phrases = ['"' + w[:WORD_CHARS].replace('"', " ") + '"' for w in words[:QUERY_WORDS]]
        return (" or " if any_word else " ").join(phrases)

    async def search(
        self, db: Database, query: str, briefing_id: str | None, limit: int, ranked: bool = False
    ) -> list[tuple[str, str, str]]:
        sql = (
            "SELECT s.briefing_id, s.text, ts_headline('simple', s.text, q, "
            "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', HighlightAll=true') "
            "FROM sentences s, websearch_to_tsquery('simple', ?) q WHERE s.words @@ q"
        )
        params: list = [query]
        if briefing_id is not None:
            sql += " AND s.briefing_id = ?"
            params.append(briefing_id)
        sql += " ORDER BY ts_rank(s.words, q) DESC, s.id DESC LIMIT ?" if ranked else " ORDER BY s.id DESC LIMIT ?"
        params.append(limit)
        return [(r[0], r[1], r[2]) for r in await db.fetchall(sql, params)]

    async def claim_due(
        self, db: Database, now: float, limit: int, platforms: Sequence[str], claim_seconds: float
    ) -> list[ClaimedRow]:
        # SKIP LOCKED: concurrent processes each take different rows without waiting. A claim
        # held past claimed_until (its process died) is due again.
        async with db.transaction() as tx:
            rows = await tx.fetchall(
                "UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1, claimed_until = ? "
                "FROM subscriptions s "
                "WHERE d.id IN ("
                "  SELECT c.id FROM deliveries c JOIN subscriptions cs ON cs.id = c.subscription_id "
                "  WHERE ((c.status = 'pending' AND c.next_attempt_at <= ?) "
                "         OR (c.status = 'sending' AND c.claimed_until < ?)) "
                "    AND cs.active = 1 AND cs.platform = ANY(?::text[]) "
                "  ORDER BY c.next_attempt_at, c.id LIMIT ? FOR UPDATE OF c SKIP LOCKED) "
                "AND s.id = d.subscription_id "
                "RETURNING d.id, d.alert_id, d.attempts, s.id, s.platform, s.chat_id, s.thread_id",
                (now + claim_seconds, now, now, list(platforms), limit),
            )
        return sorted((ClaimedRow(*row) for row in rows), key=lambda c: c.id)

    async def finish(
        self,
        db: Database,
        sent: Sequence[tuple[int, int]],
        retry: Sequence[tuple[int, float, str]],
        failed: Sequence[tuple[int, str]],
        now: float,
    ) -> None:
        async with db.transaction() as tx:
            if sent:
                await tx.executemany(
                    "UPDATE deliveries SET status = 'sent', finished_at = ?, last_error = NULL WHERE id = ?",
                    [(now, d) for d, _ in sent],
                )
                await tx.executemany(
                    "UPDATE subscriptions SET last_delivery_at = ? WHERE id = ?",
                    [(now, s) for s in sorted({s for _, s in sent})],
                )
            if retry:
                await tx.executemany(
                    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, last_error = ? WHERE id = ?",
                    [(at, err[:500], d) for d, at, err in retry],
                )
            if failed:
                await tx.executemany(
                    "UPDATE deliveries SET status = 'failed', finished_at = ?, last_error = ? WHERE id = ?",
                    [(now, err[:500], d) for d, err in failed],
                )

    async def release_in_flight(self, db: Database) -> int:
        """Nothing to release at start: other live processes hold claims, and dead ones' expire."""
        return 0

    async def reset_sequences(self, tx: Transaction, tables: Sequence[str]) -> None:
        for table in tables:
            if table not in IDENTITY_TABLES:
                continue
            # The table name comes from the set above, never from input.
            await tx.fetchone(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
