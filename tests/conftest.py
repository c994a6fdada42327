"""Shared fixtures: settings on a temporary folder, a real SQLite file, the bundled briefing."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.alerts.digest import scheduled_instant
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "content" / "kursk-incursion.txt"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(BUNDLED, folder / BUNDLED.name)
    return folder


@pytest.fixture
def settings(tmp_path: Path, content_dir: Path) -> Settings:
    return replace(
        Settings(),
        db_path=tmp_path / "data" / "bot.sqlite3",
        content_dir=content_dir,
        telegram_admin_ids=frozenset({42}),
        discord_admin_ids=frozenset({4242}),
    )


@pytest.fixture
async def core(settings: Settings):
    from bot.core import Core

    core = await Core.open(settings)
    try:
        yield core
    finally:
        await core.close()


def query(core, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows from the core's database file, read by a separate connection (as another process would)."""
    with closing(sqlite3.connect(core.settings.db_path)) as conn, conn:
        return conn.execute(sql, params).fetchall()


def first_digest(started_at: float, at: str, tz: str) -> datetime:
    """The first scheduled digest instant at or after a subscription began (whatever the time of
    day the test runs at: the window of a later digest would start after the test's alerts)."""
    day = datetime.fromtimestamp(started_at, ZoneInfo(tz)).date()
    instant = scheduled_instant(day, at, tz)
    if instant.timestamp() < started_at:
        instant = scheduled_instant(day + timedelta(days=1), at, tz)
    return instant


# Storage on both backends: a session PostgreSQL server and a fresh database per test.
from tests.pg_fixtures import db_target, pg_url, postgres_server  # noqa: E402, F401
