"""A SQLite connection used on the event loop's own thread, for the outbox's short statements.

aiosqlite runs every statement on its connection's thread. For a statement that takes tens or
hundreds of microseconds (claiming a batch of deliveries, writing a batch of outcomes back)
the hand-off costs more CPU than the statement: the event loop and that thread pass Python's
lock between cores, and while the loop is busy sending, sqlite3 lets go of the lock for every
row it steps through. During a fan-out those two statements are nearly all the database work,
so running them here takes the second thread out of the fan-out.

Two things must never block the loop, so neither happens on this connection:
- waiting for another process's write lock: `busy_timeout` is 0, and a busy database makes
  `run` answer None, so the caller takes the patient path through aiosqlite instead;
- a checkpoint's fsync: automatic checkpoints are off here, and the caller is told (`run`'s
  second value) when enough statements were written since the last one to start one off
  the loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHECKPOINT_EVERY = 64  # statements between passive checkpoints, started off the loop


class InlineWriter:
    """One writer connection for statements known to be short; the caller holds the write lock."""

    def __init__(self, path: Path, pragmas: Sequence[str]):
        """`pragmas`: the settings every connection of the database shares."""
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row  # the same rows as the aiosqlite connections give
        for pragma in (*pragmas, "PRAGMA busy_timeout=0", "PRAGMA wal_autocheckpoint=0"):
            self._conn.execute(pragma).fetchall()
        self._since_checkpoint = 0

    def run(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> tuple[list[Any] | None, bool]:
        """(the rows the last statement returned, or None if another process holds the
        database; whether a checkpoint is due). All of `statements` in one transaction."""
        conn = self._conn
        several = len(statements) > 1
        try:
            if several:
                conn.execute("BEGIN IMMEDIATE")
            try:
                rows: list[Any] = []
                for sql, params in statements:
                    rows = conn.execute(sql, params).fetchall()
                if several:
                    conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):  # extended codes too
                return None, False
            raise
        self._since_checkpoint += 1
        due = self._since_checkpoint >= CHECKPOINT_EVERY
        if due:
            self._since_checkpoint = 0
        return rows, due

    def close(self) -> None:
        self._conn.close()
