"""Open the database a setting names: a postgresql:// address or a SQLite file path."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database
from storage.sqlite.database import SqliteDatabase
from storage.url import is_postgres_url


async def open_database(target: str | Path, *, migrate_to: int | None = None) -> Database:
    """PostgreSQL for a postgresql:// (or postgres://) address, else the SQLite file at that path."""
    if is_postgres_url(target):
        # asyncpg only where it is used: a bot on SQLite does not carry its memory.
        from storage.postgres.database import PostgresDatabase

        return await PostgresDatabase.open(str(target), migrate_to=migrate_to)
    return await SqliteDatabase.open(target, migrate_to=migrate_to)
