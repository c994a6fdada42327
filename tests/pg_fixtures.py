"""Fixtures for storage tests on both backends: a session PostgreSQL server, a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.postgres_server import PostgresServer, PostgresUnavailable, start_server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # A plain (synchronous) session fixture: the server is a subprocess, no event loop involved.
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        pytest.fail(f"the PostgreSQL tests need a server: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


async def create_database(server: PostgresServer) -> str:
    name = "t_" + uuid.uuid4().hex[:16]
    admin = await asyncpg.connect(server.admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')  # a name we made, not input
    finally:
        await admin.close()
    return name


@pytest.fixture
async def pg_url(postgres_server: PostgresServer) -> str:
    """The address of a new, empty database on the session's server (with a password to mask)."""
    return postgres_server.url(await create_database(postgres_server), password="s3cret-pw")


@pytest.fixture(params=["sqlite", "postgres"])
async def db_target(request, tmp_path: Path) -> str | Path:
    """What `open_database` takes, for each backend: a SQLite file path or a PostgreSQL address."""
    if request.param == "sqlite":
        return tmp_path / "db.sqlite3"
    server = request.getfixturevalue("postgres_server")
    return server.url(await create_database(server), password="s3cret-pw")
