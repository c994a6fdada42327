"""The SQLite database: one writer connection behind a lock, one reader, versioned migrations.

aiosqlite runs each connection on its own thread and every task sharing a connection shares
its transaction, so all writes go through `Database.transaction()`, which holds a lock from
`BEGIN IMMEDIATE` to `COMMIT`. Reads use a second connection and never see half-done work.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator, Sequence

import aiosqlite

log = logging.getLogger(__name__)

Row = sqlite3.Row


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in storage/migrations, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements (trigger bodies contain semicolons, so ask SQLite)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        if not current and line.strip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


class Database:
    """Owns the connections. Open with `await Database.open(path)`, close with `await db.close()`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, migrate_to: int | None = None) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        try:
            await writer.execute("PRAGMA journal_mode=WAL")
            await _migrate(writer, migrate_to)
            reader = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        # Waiting for the lock lets a transaction in flight finish instead of being cut off.
        async with self._write_lock:
            await self._reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """An exclusive write transaction: committed on success, rolled back on any error."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        async with self._reader.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def scalar(self, sql: str, params: Sequence[Any] = (), default: Any = None) -> Any:
        row = await self.fetchone(sql, params)
        return default if row is None or row[0] is None else row[0]

    async def data_version(self) -> int:
        """Changes whenever another connection (or process) commits: a cheap staleness check."""
        return int(await self.scalar("PRAGMA data_version", default=0))

    async def schema_version(self) -> int:
        return int(await self.scalar("PRAGMA user_version", default=0))


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute("PRAGMA busy_timeout=5000")
    await conn.execute("PRAGMA synchronous=NORMAL")
    return conn


async def _migrate(conn: aiosqlite.Connection, migrate_to: int | None) -> None:
    async with conn.execute("PRAGMA user_version") as cursor:
        current = (await cursor.fetchone())[0]
    for version, name, sql in migration_files():
        if version <= current or (migrate_to is not None and version > migrate_to):
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_statements(sql):
                await conn.execute(statement)
            # PRAGMA takes no parameters; version is an int parsed from our own file name.
            await conn.execute(f"PRAGMA user_version = {int(version)}")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
        log.info("database migrated to version %d (%s)", version, name)

