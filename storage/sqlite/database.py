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
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.database import Database, Listener, Params, Row, Transaction, migration_files
from storage.sqlite.dialect import SqliteDialect
from storage.sqlite.inline import InlineWriter

log = logging.getLogger(__name__)

# Every connection's settings. cache_size: 512 KiB of pages per connection, not SQLite's
# default 2 MB. Six connections filled 12 MB; a reader's cache is dropped whenever another
# connection commits (WAL), so during a fan-out it is rebuilt per read anyway, and the
# writer's CPU per alert did not move.
CONNECTION_PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL", "PRAGMA cache_size=-512")

READERS = 2  # aiosqlite gives each connection a thread; a few cover concurrent commands


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


class SqliteTransaction(Transaction):
    def __init__(self, conn: aiosqlite.Connection):
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._conn.execute(sql, params)
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        # One round trip to the connection's thread (execute, read every row), not three.
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def lock(self, name: str) -> None:
        """BEGIN IMMEDIATE already excludes every other writer of the file."""


class SqliteDatabase(Database):
    """Open with `await SqliteDatabase.open(path)`, close with `await db.close()`."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        readers: list[aiosqlite.Connection],
        inline: InlineWriter | None = None,
    ):
        self.path = path
        self.display_name = f"SQLite file {path}"
        self.dialect = SqliteDialect()  # per database: it keeps the claims of this process
        self._writer = writer
        # PRAGMA data_version counts commits by *other* connections, per connection: it is
        # only comparable from one connection, so it has its own (never borrowed).
        self._watch, *readers = readers
        self._readers = readers
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in readers:
            self._idle.put_nowait(reader)
        self._write_lock = asyncio.Lock()
        self._inline = inline  # the outbox's short writes, on the loop's thread (storage.sqlite.inline)
        self._checkpoint: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path | str, *, migrate_to: int | None = None, readers: int = READERS) -> SqliteDatabase:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        pool: list[aiosqlite.Connection] = []
        try:
            await _set_wal(writer)
            await _migrate(writer, migrate_to)
            for _ in range(1 + max(1, readers)):
                pool.append(await _connect(path))
            # ":memory:" would be a database of its own on every connection.
            inline = InlineWriter(path, CONNECTION_PRAGMAS) if str(path) != ":memory:" else None
        except BaseException:
            for conn in (*pool, writer):
                await conn.close()
            raise
        return cls(path, writer, pool, inline)

    async def close(self) -> None:
        # Waiting for the lock lets a transaction in flight finish instead of being cut off.
        async with self._write_lock:
            for reader in (self._watch, *self._readers):
                await reader.close()
            if self._checkpoint is not None:
                self._checkpoint.cancel()  # it waits for the lock we hold: nothing is half-done
            if self._inline is not None:
                self._inline.close()
            await self._writer.close()

    @asynccontextmanager
    async def _borrow(self) -> AsyncIterator[aiosqlite.Connection]:
        reader = await self._idle.get()
        try:
            yield reader
        finally:
            self._idle.put_nowait(reader)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")

    async def short_statements(self, statements: Sequence[tuple[str, Params]]) -> list[Row]:
        # Only the outbox's claims and finishes come here, each a fraction of a millisecond:
        # they run on the loop's own thread, which costs less CPU than handing them to
        # aiosqlite's (storage.sqlite.inline).
        rows: list[Row] | None = None
        started_checkpoint = False
        async with self._write_lock:
            if self._inline is not None:
                rows, checkpoint_due = self._inline.run(statements)
                if checkpoint_due and self._checkpoint is None:
                    self._checkpoint = asyncio.create_task(self._checkpoint_off_loop())
                    started_checkpoint = True
        if started_checkpoint:
            # Let it take the lock before our caller's next statement does: a caller that never
            # waits for anything else (nothing here suspends) would otherwise starve it.
            await asyncio.sleep(0)
        if rows is not None:
            return rows
        # Another process holds the database: wait for it on aiosqlite's thread.
        return await super().short_statements(statements)

    async def _checkpoint_off_loop(self) -> None:
        """Copy the write-ahead log back into the database on the writer's thread (the inline
        writer never checkpoints: its fsync would stall the event loop). Under the write lock:
        SQLite starts the log over only when a write begins on a fully copied log, so writes
        in the middle of the checkpoint would let the log grow for as long as the fan-out lasts."""
        try:
            async with self._write_lock:
                await _pragma(self._writer, "PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            log.warning("a passive checkpoint failed; the next one will try again", exc_info=True)
        finally:
            self._checkpoint = None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        # Every row read in the same round trip, so the statement is finished (and its snapshot
        # let go) before the reader goes back to the pool.
        async with self._borrow() as reader:
            return list(await reader.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._borrow() as reader, reader.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def data_version(self) -> int:
        """Changes whenever another connection (or process) commits."""
        async with self._watch.execute("PRAGMA data_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def schema_version(self) -> int:
        return int(await self.scalar("PRAGMA user_version", default=0))

    # One process per SQLite file: it is always the leader, and nobody else listens.
    async def try_lead(self, name: str) -> bool:
        return True

    async def wait_lead(self, name: str) -> None:
        return None

    async def release_lead(self, name: str) -> None:
        return None

    async def notify(self, channel: str, payload: str = "") -> None:
        return None

    async def listen(self, channel: str, callback: Listener) -> Callable[[], Awaitable[None]]:
        async def stop() -> None:
            return None

        return stop


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = sqlite3.Row
    for pragma in (*CONNECTION_PRAGMAS, "PRAGMA busy_timeout=5000"):
        await _pragma(conn, pragma)
    return conn


async def _pragma(conn: aiosqlite.Connection, sql: str) -> None:
    # Read the answer to the end: a PRAGMA that answers with a row and is left unread keeps
    # its statement open, and with it a read snapshot that later makes BEGIN IMMEDIATE fail
    # at once ("locked") as soon as another process has committed.
    async with conn.execute(sql) as cursor:
        await cursor.fetchall()


async def _set_wal(conn: aiosqlite.Connection, patience: float = 10.0) -> None:
    """Switch to WAL. While another process creating the same new file holds it, SQLite answers
    "locked" at once rather than calling the busy handler, so wait here instead."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        try:
            await _pragma(conn, "PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or loop.time() > deadline:
                raise
            await asyncio.sleep(0.02)


async def _version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _migrate(conn: aiosqlite.Connection, migrate_to: int | None) -> None:
    """Apply each pending migration in its own exclusive transaction.

    The version is read after `BEGIN IMMEDIATE`, so a second process starting at the same
    moment waits for the first and then sees its work instead of applying it again.
    """
    for version, name, sql in migration_files("sqlite"):
        if migrate_to is not None and version > migrate_to:
            break
        await conn.execute("BEGIN IMMEDIATE")
        try:
            if version <= await _version(conn):
                await conn.execute("COMMIT")
                continue
            for statement in split_statements(sql):
                await conn.execute(statement)
            # PRAGMA takes no parameters; version is an int parsed from our own file name.
            await conn.execute(f"PRAGMA user_version = {int(version)}")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
        log.info("database migrated to version %d (%s)", version, name)
