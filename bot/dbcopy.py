"""`python -m bot db copy --to postgresql://...`: move the SQLite file's data into PostgreSQL."""

from __future__ import annotations

import sys

from bot.settings import Settings
from storage import DatabaseUnavailable, display_url, is_postgres_url, open_database
from storage.copy import TargetNotEmpty, copy_database


async def copy_to(settings: Settings, target_url: str) -> int:
    """Copy everything from BOT_DB_PATH into the empty database at target_url; print counts per table."""
    if not is_postgres_url(target_url):
        print("error: --to needs a postgresql://user:password@host:port/database address", file=sys.stderr)
        return 2
    if not settings.db_path.is_file():
        print(f"error: there is no SQLite file at {settings.db_path} (BOT_DB_PATH) to copy", file=sys.stderr)
        return 1
    shown = display_url(target_url)
    try:
        source = await open_database(settings.db_path)
    except DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        target = await open_database(target_url)
    except DatabaseUnavailable as exc:
        await source.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        counts = await copy_database(source, target)
    except TargetNotEmpty as exc:
        print(f"error: {exc}; copy only into an empty database", file=sys.stderr)
        return 1
    finally:
        await target.close()
        await source.close()
    print(f"copied {settings.db_path} to {shown}:")
    for table, count in counts.items():
        print(f"  {table}: {count}")
    return 0
