"""The PostgreSQL database: an asyncpg pool for reads and explicit transactions, plus one
dedicated session connection for what belongs to a session (advisory locks, LISTEN).

Statements are written with `?` like SQLite's and numbered ($1, $2, ...) here. Migrations
run in one transaction under a transaction-level advisory lock, so processes starting
together apply them once. The session connection is outside the pool: an advisory lock or
a LISTEN taken on a pooled connection would follow that connection to whoever borrows it
next. When the process dies its session ends and the server releases its locks.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from storage.database import (
    Database,
    DatabaseUnavailable,
    Listener,
    Params,
    Row,
    Transaction,
    lock_key,
    migration_files,
)
from storage.postgres.dialect import PostgresDialect
from storage.url import display_url, password_of

log = logging.getLogger(__name__)

POOL_SIZE = 10
CONNECT_TIMEOUT = 10.0
MIGRATION_LOCK = "briefing-bot:migrations"
LEAD_POLL_SECONDS = 0.5
ANALYZED_TABLES = frozenset({"deliveries", "subscriptions"})


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders as $1, $2, ... (outside quoted literals and identifiers)."""
    out: list[str] = []
    quote = ""
    n = 0
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(ch)
    return "".join(out)


def _rowcount(status: str) -> int:
    """asyncpg answers a statement with its tag ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresTransaction(Transaction):
    def __init__(self, conn: asyncpg.Connection):
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _rowcount(await self._conn.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            await self._conn.executemany(numbered(sql), rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._conn.fetchrow(numbered(sql), *params)

    async def lock(self, name: str) -> None:
        await self._conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(name))

    async def refresh_statistics(self, tables: Sequence[str]) -> None:
        # Without this, the claims that follow a big fan-out are planned on statistics from
        # before it (autoanalyze comes up to a minute later) and took 200 ms instead of 2 ms.
        names = [t for t in tables if t in ANALYZED_TABLES]  # identifiers from a fixed set, never input
        if names:
            await self._conn.execute(f"ANALYZE {', '.join(names)}")


class PostgresDatabase(Database):
    """Open with `await PostgresDatabase.open(url)`; the url's password is never shown."""

    dialect = PostgresDialect()

    def __init__(self, url: str, pool: asyncpg.Pool):
        self._url = url
        self.display_name = f"PostgreSQL {display_url(url)}"
        self._pool = pool
        self._session: asyncpg.Connection | None = None
        self._session_lock = asyncio.Lock()
        self._leading: set[str] = set()
        self._callbacks: set[asyncio.Task] = set()

    def __repr__(self) -> str:
        return f"<PostgresDatabase {display_url(self._url)}>"

    @classmethod
    async def open(cls, url: str, *, migrate_to: int | None = None, pool_size: int = POOL_SIZE) -> PostgresDatabase:
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size, timeout=CONNECT_TIMEOUT)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            raise DatabaseUnavailable(f"cannot open {display_url(url)}: {_scrub(exc, url)}") from None
        try:
            await _migrate(pool, migrate_to)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await pool.close()  # e.g. no right to create tables: say so in one line
            raise DatabaseUnavailable(f"cannot migrate {display_url(url)}: {_scrub(exc, url)}") from None
        except BaseException:
            await pool.close()
            raise
        return cls(url, pool)

    async def close(self) -> None:
        for task in list(self._callbacks):
            task.cancel()
        if self._session is not None:
            await self._session.close()  # ends the session: its advisory locks and LISTENs go
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresTransaction(conn)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._pool.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._pool.fetchrow(numbered(sql), *params)

    async def data_version(self) -> int:
        return int(await self._pool.fetchval("SELECT version FROM data_version"))

    async def schema_version(self) -> int:
        return int(await self._pool.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))

    # --- the session connection: leadership and notifications ---

    async def _on_session(self, work: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
        async with self._session_lock:
            if self._session is None or self._session.is_closed():
                if self._session is not None:
                    log.warning("the database session was lost; leadership of %s is gone", sorted(self._leading))
                self._leading.clear()
                self._session = await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT)
            return await work(self._session)

    async def try_lead(self, name: str) -> bool:
        if name in self._leading and self._session is not None and not self._session.is_closed():
            # The lock is re-entrant per session: taking it twice would need two releases. Ask
            # the session instead whether it still lives: a leader cut off from the server must
            # learn it, since the server frees the lock for another process meanwhile.
            try:
                await self._on_session(lambda c: c.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT))
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self._leading.discard(name)
                if self._session is not None:
                    self._session.terminate()  # a half-open session must not keep the lock here
                raise
            return True
        took = await self._on_session(lambda c: c.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(name)))
        if took:
            self._leading.add(name)
        return bool(took)

    async def wait_lead(self, name: str) -> None:
        # Polling the session keeps it free for LISTEN and other leaderships meanwhile.
        while not await self.try_lead(name):  # noqa: ASYNC110 (the lock lives in the server, not here)
            await asyncio.sleep(LEAD_POLL_SECONDS)

    async def release_lead(self, name: str) -> None:
        if name not in self._leading:
            return
        self._leading.discard(name)
        if self._session is not None and not self._session.is_closed():
            await self._on_session(lambda c: c.fetchval("SELECT pg_advisory_unlock($1)", lock_key(name)))

    async def notify(self, channel: str, payload: str = "") -> None:
        await self._pool.execute("SELECT pg_notify($1, $2)", channel, payload)

    async def listen(self, channel: str, callback: Listener) -> Callable[[], Awaitable[None]]:
        def deliver(_conn: object, _pid: int, _channel: str, payload: str) -> None:
            result = callback(payload)
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                task = asyncio.ensure_future(result)
                self._callbacks.add(task)
                task.add_done_callback(self._callbacks.discard)

        await self._on_session(lambda c: c.add_listener(channel, deliver))

        async def stop() -> None:
            if self._session is not None and not self._session.is_closed():
                await self._on_session(lambda c: c.remove_listener(channel, deliver))

        return stop


def _scrub(exc: BaseException, url: str) -> str:
    text = str(exc) or type(exc).__name__
    secret = password_of(url)
    return text.replace(secret, "***") if secret else text


async def _migrate(pool: asyncpg.Pool, migrate_to: int | None) -> None:
    async with pool.acquire() as conn, conn.transaction():
        # Waits for another process migrating right now, then sees what it applied.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(MIGRATION_LOCK))
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        current = await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        for version, name, sql in migration_files("postgres"):
            if version <= current or (migrate_to is not None and version > migrate_to):
                continue
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name)
            log.info("database migrated to version %d (%s)", version, name)
