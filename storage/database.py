"""The SQLite database: one writer connection behind a lock, a pool of readers, versioned migrations.

aiosqlite runs each connection on its own thread and every task sharing a connection shares
its transaction, so all writes go through `Database.transaction()`, which holds a lock from
`BEGIN IMMEDIATE` to `COMMIT`. Writes that must answer with what they wrote read it back
inside that transaction (`RETURNING`).

Reads borrow a reader connection for one statement and give it back only once the statement
is finished. In WAL mode a connection's snapshot lasts while any of its statements is open,
so a reader shared by concurrent tasks could let one task's open cursor hold another task's
read on an old snapshot (a row committed a moment ago would be missing). A borrowed reader
has no statement of anyone else open: every read starts a fresh snapshot.
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
READERS = 4  # aiosqlite gives each connection a thread; a few cover concurrent commands


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

    def __init__(self, path: Path, writer: aiosqlite.Connection, readers: list[aiosqlite.Connection]):
        self.path = path
        self._writer = writer
        # PRAGMA data_version counts commits by *other* connections, per connection: it is
        # only comparable from one connection, so it has its own (never borrowed).
        self._watch, *readers = readers
        self._readers = readers
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in readers:
            self._idle.put_nowait(reader)
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, migrate_to: int | None = None, readers: int = READERS) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        pool: list[aiosqlite.Connection] = []
        try:
            await writer.execute("PRAGMA journal_mode=WAL")
            await _migrate(writer, migrate_to)
            for _ in range(1 + max(1, readers)):
                pool.append(await _connect(path))
        except BaseException:
            for conn in (*pool, writer):
                await conn.close()
            raise
        return cls(path, writer, pool)

    async def close(self) -> None:
        # Waiting for the lock lets a transaction in flight finish instead of being cut off.
        async with self._write_lock:
            for reader in (self._watch, *self._readers):
                await reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def _borrow(self) -> AsyncIterator[aiosqlite.Connection]:
        reader = await self._idle.get()
        try:
            yield reader
        finally:
            self._idle.put_nowait(reader)

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
        async with self._borrow() as reader, reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        async with self._borrow() as reader, reader.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def aggregate(self, sql: str, params: Sequence[Any] = ()) -> Row:
        """The one row an aggregate query (COUNT, SUM, ...) always returns."""
        row = await self.fetchone(sql, params)
        if row is None:
            raise RuntimeError(f"an aggregate query returned no row: {sql[:60]}")
        return row

    async def scalar(self, sql: str, params: Sequence[Any] = (), default: Any = None) -> Any:
        row = await self.fetchone(sql, params)
        return default if row is None or row[0] is None else row[0]

    async def data_version(self) -> int:
        """Changes whenever another connection (or process) commits: a cheap staleness check."""
        async with self._watch.execute("PRAGMA data_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

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
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
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

