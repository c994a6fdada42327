"""Briefings: content-hashed versions, the current one per briefing, full-text search (per backend)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from storage.database import Database, Transaction
from storage.outbox import NewAlert, enqueue_alert


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """The current version of one briefing, as stored (data is the parser's JSON)."""

    briefing_id: str
    version_id: int
    content_hash: str
    file_hash: str
    data: dict
    loaded_at: float
    first_loaded_at: float
    source_path: str | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    briefing_id: str
    sentence: str
    marked: str  # the sentence with each match between \x02 and \x03


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A parsed briefing to store as its current version."""

    briefing_id: str
    data: dict
    content_hash: str
    file_hash: str
    source_path: str | None
    sentences: list[str]


Published = Literal["added", "changed", "unchanged"]
# What to announce for a stored version, given the previous current version's data (None
# for a new briefing); called inside the publishing transaction, so it must not do I/O.
Announce = Callable[[dict | None, NewVersion], NewAlert | None]


class BriefingRepository:
    def __init__(self, db: Database):
        self.db = db

    async def publish(
        self, versions: Sequence[NewVersion], now: float, announce: Announce | None = None
    ) -> list[tuple[str, Published]]:
        """Store every version and the alerts they call for in one transaction: all or none."""
        results: list[tuple[str, Published]] = []
        async with self.db.transaction() as tx:
            # Processes publishing at once would each read the same current version.
            await tx.lock("briefings")
            for version in versions:
                version_id, previous = await save_version(tx, version, now)
                if version_id == 0:
                    results.append((version.briefing_id, "unchanged"))
                    continue
                results.append((version.briefing_id, "changed" if previous is not None else "added"))
                alert = announce(previous, version) if announce is not None else None
                if alert is not None:
                    await enqueue_alert(tx, alert, now)
        return results

    async def unpublish(self, briefing_ids: Sequence[str]) -> None:
        """Take briefings out of service (their file is gone): no current version, nothing to
        search; every version stays, and the same file coming back is published again."""
        async with self.db.transaction() as tx:
            await tx.executemany(
                "UPDATE briefings SET current_version = NULL WHERE id = ?", [(b,) for b in briefing_ids]
            )
            await tx.executemany("DELETE FROM sentences WHERE briefing_id = ?", [(b,) for b in briefing_ids])

    async def data_version(self) -> int:
        """Moves whenever briefings may have changed (any process): a cheap staleness check."""
        return await self.db.data_version()

    async def file_hashes(self) -> dict[str, tuple[str, str]]:
        """source_path -> (briefing id, file hash of its current version)."""
        rows = await self.db.fetchall(
            "SELECT b.source_path, b.id, v.file_hash FROM briefings b "
            "JOIN briefing_versions v ON v.id = b.current_version WHERE b.source_path IS NOT NULL"
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    async def fingerprint(self) -> tuple[int, int]:
        """Changes whenever a briefing is added or gets a new current version (ids only grow)."""
        row = await self.db.aggregate("SELECT COUNT(*), COALESCE(SUM(current_version), 0) FROM briefings")
        return int(row[0]), int(row[1])

    async def current_index(self) -> list[tuple[str, int, float, str | None]]:
        """(id, current version id, loaded at, source path) of every briefing, newest first."""
        rows = await self.db.fetchall(
            "SELECT b.id, v.id, v.loaded_at, b.source_path FROM briefings b "
            "JOIN briefing_versions v ON v.id = b.current_version " + _NEWEST_FIRST
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def version_data(self, version_ids: list[int]) -> dict[int, dict]:
        out: dict[int, dict] = {}
        for start in range(0, len(version_ids), 500):
            chunk = version_ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            rows = await self.db.fetchall(f"SELECT id, data FROM briefing_versions WHERE id IN ({marks})", chunk)
            out.update({r[0]: json.loads(r[1]) for r in rows})
        return out

    async def get(self, briefing_id: str) -> StoredVersion | None:
        row = await self.db.fetchone(_CURRENT_SQL + " WHERE b.id = ?", (briefing_id,))
        return _stored(row) if row else None

    async def previous(self, briefing_id: str, before_version: int) -> dict | None:
        row = await self.db.fetchone(
            "SELECT data FROM briefing_versions WHERE briefing_id = ? AND id < ? ORDER BY id DESC LIMIT 1",
            (briefing_id, before_version),
        )
        return json.loads(row[0]) if row else None

    async def search(self, words: Iterable[str], briefing_id: str | None = None, limit: int = 10) -> list[SearchHit]:
        # NUL ends a string early in SQLite and PostgreSQL text cannot hold it: it is no word.
        words = [w.replace("\x00", "") for w in words]
        words = [w for w in words if w.strip()]
        if not words:
            return []
        dialect = self.db.dialect
        # Sentences with every word first; when none has them all, any word will do, the
        # sentences with the rarest words first (a question's "what" and "in" count for little).
        rows = await dialect.search(self.db, dialect.search_query(words, any_word=False), briefing_id, limit)
        if not rows and len(words) > 1:
            rows = await dialect.search(
                self.db, dialect.search_query(words, any_word=True), briefing_id, limit, ranked=True
            )
        return [SearchHit(*row) for row in rows]

    async def count(self) -> int:
        return int(await self.db.scalar("SELECT COUNT(*) FROM briefings", default=0))


async def save_version(tx: Transaction, v: NewVersion, now: float) -> tuple[int, dict | None]:
    """Store a new current version (inside the caller's transaction).

    Returns (version id, the previous current version's data or None). When the content hash
    equals the current one only the file hash is refreshed and the previous data is returned
    unchanged with version id 0, meaning "nothing to announce".
    """
    current = await tx.fetchone(
        "SELECT v.id, v.content_hash, v.data FROM briefings b JOIN briefing_versions v "
        "ON v.id = b.current_version WHERE b.id = ?",
        (v.briefing_id,),
    )
    if current is not None and current[1] == v.content_hash:
        await tx.execute("UPDATE briefing_versions SET file_hash = ? WHERE id = ?", (v.file_hash, current[0]))
        await tx.execute("UPDATE briefings SET source_path = ? WHERE id = ?", (v.source_path, v.briefing_id))
        return 0, json.loads(current[2])
    await tx.execute(
        "INSERT INTO briefings (id, source_path, published, first_loaded_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "source_path = excluded.source_path, published = excluded.published, updated_at = excluded.updated_at",
        (v.briefing_id, v.source_path, v.data.get("published"), now, now),
    )
    version_id = int(
        await tx.scalar(
            "INSERT INTO briefing_versions (briefing_id, content_hash, file_hash, data, loaded_at) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id",
            (v.briefing_id, v.content_hash, v.file_hash, json.dumps(v.data, ensure_ascii=False), now),
        )
    )
    await tx.execute("UPDATE briefings SET current_version = ? WHERE id = ?", (version_id, v.briefing_id))
    await tx.execute("DELETE FROM sentences WHERE briefing_id = ?", (v.briefing_id,))
    await tx.executemany(
        "INSERT INTO sentences (briefing_id, text) VALUES (?, ?)", [(v.briefing_id, s) for s in v.sentences]
    )
    previous = json.loads(current[2]) if current is not None else None
    return version_id, previous


_NEWEST_FIRST = "ORDER BY COALESCE(b.published, '') DESC, b.first_loaded_at DESC, b.id"
_CURRENT_SQL = (
    "SELECT b.id, v.id, v.content_hash, v.file_hash, v.data, v.loaded_at, b.first_loaded_at, b.source_path "
    "FROM briefings b JOIN briefing_versions v ON v.id = b.current_version"
)


def _stored(row) -> StoredVersion:
    return StoredVersion(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7])
