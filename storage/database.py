"""What every backend provides: a `Database` with reads, write transactions and session primitives.

Repositories are written once against these classes with `?` placeholders; each backend
(`storage.sqlite`, `storage.postgres`) implements them, and keeps the few statements that
really differ (full-text search, claiming deliveries, counters) in its own `Dialect`.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence, Set
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib import resources
from typing import Any, NamedTuple

# A row of either driver (sqlite3.Row or asyncpg.Record): both index by position and iterate.
Row = Any
Params = Sequence[Any]
Listener = Callable[[str], Awaitable[None] | None]


# PostgreSQL notifies this channel (empty payload, once per transaction) whenever a change to
# briefings commits, in any process; SQLite has one process and no channel.
BRIEFINGS_CHANGED = "briefings_changed"


def migration_files(backend: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in storage/migrations/<backend>, in order."""
    found = []
    for entry in resources.files(f"storage.migrations.{backend}").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a named lock (the same in every process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened; the message names where (without a password) and why."""


class ClaimedRow(NamedTuple):
    """A delivery claimed for sending, as the dialect returns it (attempts already counted);
    the repository adds its alert, read once per batch instead of once per row. A tuple: one is
    built per row claimed."""

    id: int
    alert_id: int
    attempts: int
    subscription_id: int
    platform: str
    chat_id: int
    thread_id: int


class Transaction(ABC):
    """One open write transaction. Statements use `?` placeholders on every backend."""

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Sequence[Params]) -> None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def scalar(self, sql: str, params: Params = (), default: Any = None) -> Any:
        row = await self.fetchone(sql, params)
        return default if row is None or row[0] is None else row[0]

    @abstractmethod
    async def lock(self, name: str) -> None:
        """Serialise this transaction with every other one taking the same named lock, in any process."""

    async def refresh_statistics(self, tables: Sequence[str]) -> None:
        """The planner's statistics for these tables, brought up to date (rows written in this
        transaction included) where the backend plans by them."""
        return None


class Dialect(ABC):
    """The statements that differ between backends, each in one place per backend."""

    name: str
    sentence_key: str  # the column that orders sentences oldest to newest

    @abstractmethod
    async def search(
        self, db: Database, query: str, briefing_id: str | None, limit: int, ranked: bool = False
    ) -> list[tuple[str, str, str]]:
        """(briefing id, sentence, sentence with matches between \\x02 and \\x03), newest first, or
        best match first when ``ranked`` (rare words count for more).

        `query` is built by `search_query`, never raw user text.
        """

    @abstractmethod
    def search_query(self, words: Sequence[str], any_word: bool) -> str:
        """A query in the backend's syntax matching every (or any) word literally."""

    @abstractmethod
    async def claim_due(
        self, db: Database, now: float, limit: int, platforms: Sequence[str], claim_seconds: float
    ) -> list[ClaimedRow]: ...

    @abstractmethod
    async def release_in_flight(self, db: Database) -> int: ...

    def in_flight(self) -> Set[int]:
        """Deliveries this process claimed whose claim lives in its memory rather than in a
        status (SQLite); their rows still say 'pending'."""
        return frozenset()

    @abstractmethod
    async def finish(
        self,
        db: Database,
        sent: Sequence[tuple[int, int]],
        retry: Sequence[tuple[int, float, str]],
        failed: Sequence[tuple[int, str]],
        now: float,
    ) -> None:
        """Record a batch of outcomes atomically (see `OutboxRepository.finish`)."""

    @abstractmethod
    async def reset_sequences(self, tx: Transaction, tables: Sequence[str]) -> None:
        """After rows were written with explicit ids, new rows must get ids above them."""


class Database(ABC):
    """Owns the connections of one backend. Open with `storage.open_database(...)`."""

    dialect: Dialect
    display_name: str  # where the data lives, safe to show (never a password)

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction: committed on success, rolled back on any error."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def short_statements(self, statements: Sequence[tuple[str, Params]]) -> list[Row]:
        """Statements known to be short (the outbox's claims and finishes), in one transaction,
        and the rows the last one returns.

        Backends may run them in fewer round trips than a `transaction()` block, SQLite on the
        event loop's thread."""
        async with self.transaction() as tx:
            rows: list[Row] = []
            for sql, params in statements:
                rows = await tx.fetchall(sql, params)
            return rows

    async def aggregate(self, sql: str, params: Params = ()) -> Row:
        """The one row an aggregate query (COUNT, SUM, ...) always returns."""
        row = await self.fetchone(sql, params)
        if row is None:
            raise RuntimeError(f"an aggregate query returned no row: {sql[:60]}")
        return row

    async def scalar(self, sql: str, params: Params = (), default: Any = None) -> Any:
        row = await self.fetchone(sql, params)
        return default if row is None or row[0] is None else row[0]

    @abstractmethod
    async def data_version(self) -> int:
        """Changes whenever briefings may have changed: a cheap staleness check."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    # --- several processes (PostgreSQL); SQLite serves one process and answers trivially ---

    @abstractmethod
    async def try_lead(self, name: str) -> bool:
        """Become the one leader called `name` among all processes, if nobody is; True if we are."""

    @abstractmethod
    async def release_lead(self, name: str) -> None: ...

    @asynccontextmanager
    async def leadership(self, name: str) -> AsyncIterator[None]:
        """Wait until this process leads `name`, and stay leader for the block."""
        await self.wait_lead(name)
        try:
            yield
        finally:
            await self.release_lead(name)

    @abstractmethod
    async def wait_lead(self, name: str) -> None:
        """Block until this process leads `name`."""

    @abstractmethod
    async def notify(self, channel: str, payload: str = "") -> None:
        """Tell every listening process (no-op on SQLite)."""

    @abstractmethod
    async def listen(self, channel: str, callback: Listener) -> Callable[[], Awaitable[None]]:
        """Call `callback(payload)` on each notification; returns an async function that stops it."""
