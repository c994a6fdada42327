"""Copy every table from one database into another, empty one (SQLite to PostgreSQL, say).

Both sides are read and written in one transaction each: the source is a consistent
snapshot, and the target gets all of it or nothing. Rows keep their ids, so references
between tables hold, and the target's id sequences continue above them afterwards.
Leases are not copied: they belong to the processes of the old database.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, Transaction

CHUNK = 2000  # rows per round trip: memory stays flat however large the outbox is


@dataclass(frozen=True)
class TableCopy:
    name: str
    key: str  # the column rows are paged by
    columns: tuple[str, ...]
    keep_key: bool = True  # False: the target numbers the rows itself (in the source's order)
    text_key: bool = False


TABLES = (
    TableCopy(
        "briefings",
        "id",
        ("id", "current_version", "source_path", "published", "first_loaded_at", "updated_at", "feed_id", "source_url"),
        text_key=True,
    ),
    TableCopy("briefing_versions", "id", ("id", "briefing_id", "content_hash", "file_hash", "data", "loaded_at")),
    # The key of sentences differs per backend (SQLite's FTS5 rowid); it is taken from the dialect.
    TableCopy("sentences", "", ("briefing_id", "text"), keep_key=False),
    TableCopy(
        "subscriptions",
        "id",
        (
            "id",
            "platform",
            "chat_id",
            "thread_id",
            "mode",
            "digest_time",
            "timezone",
            "keywords",
            "active",
            "inactive_reason",
            "created_at",
            "updated_at",
            "started_at",
            "last_delivery_at",
            "last_digest_date",
            "feeds",
        ),
    ),
    TableCopy(
        "alerts", "id", ("id", "kind", "briefing_id", "dedup_key", "payload", "search_text", "created_at", "feed_id")
    ),
    TableCopy(
        "feeds",
        "id",
        (
            "id",
            "url",
            "name",
            "minutes",
            "pages",
            "kind",
            "etag",
            "last_modified",
            "next_due",
            "fetch_now",
            "failures",
            "failing_since",
            "status",
            "last_success",
            "last_error",
            "baseline_done",
            "created_at",
        ),
    ),
    TableCopy(
        "feed_items",
        "id",
        (
            "id",
            "feed_id",
            "key",
            "briefing_id",
            "content_hash",
            "updated",
            "source",
            "published",
            "page_etag",
            "page_last_modified",
        ),
    ),
    TableCopy(
        "deliveries",
        "id",
        (
            "id",
            "alert_id",
            "subscription_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "created_at",
            "finished_at",
            "claimed_until",
        ),
    ),
    TableCopy("audit", "id", ("id", "at", "platform", "user_id", "chat_id", "command", "args", "outcome")),
    TableCopy("service_state", "key", ("key", "value"), text_key=True),
)


class TargetNotEmpty(RuntimeError):
    pass


async def copy_database(source: Database, target: Database) -> dict[str, int]:
    """Copy every table; returns rows copied per table. Raises TargetNotEmpty (nothing written)."""
    counts: dict[str, int] = {}
    async with source.transaction() as src, target.transaction() as dst:
        await dst.lock("storage:copy")
        filled = [t.name for t in TABLES if await dst.fetchone(f"SELECT 1 FROM {t.name} LIMIT 1") is not None]
        if filled:
            raise TargetNotEmpty(f"the target database is not empty (rows in {', '.join(filled)})")
        for table in TABLES:
            key = table.key or source.dialect.sentence_key
            counts[table.name] = await _copy_table(src, dst, table, key)
        await target.dialect.reset_sequences(dst, [t.name for t in TABLES])
    return counts


async def _copy_table(src: Transaction, dst: Transaction, table: TableCopy, key: str) -> int:
    # Table and column names come from TABLES above, never from input.
    columns = ", ".join(table.columns)
    marks = ", ".join("?" for _ in table.columns)
    insert = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"
    select = f"SELECT {key}, {columns} FROM {table.name} WHERE {key} > ? ORDER BY {key} LIMIT {CHUNK}"
    copied = 0
    last: object = "" if table.text_key else -(2**63)
    while True:
        rows = await src.fetchall(select, (last,))
        if not rows:
            return copied
        await dst.executemany(insert, [tuple(row)[1:] for row in rows])  # the paging key was prepended
        copied += len(rows)
        last = rows[-1][0]
