"""The served briefings, cached in memory and refreshed when the briefings change.

Commands read from here, so the hot path parses nothing and, most of the time, asks the
database nothing: a reload in this process marks the cache stale (`invalidate`), and a
change made by another process (`python -m bot reload`, another bot process) is noticed by
the database's cheap change counter, read at most once per `recheck` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.briefing.model import Briefing
from storage import BriefingRepository, SearchHit


@dataclass(frozen=True, slots=True)
class Entry:
    briefing: Briefing
    version_id: int
    loaded_at: float
    source_path: str | None


RECHECK_SECONDS = 1.0


class Library:
    def __init__(
        self, repo: BriefingRepository, *, recheck: float = RECHECK_SECONDS, clock: Callable[[], float] = time.monotonic
    ):
        self.repo = repo
        self.recheck = recheck
        self.clock = clock
        self._entries: list[Entry] = []
        self._by_id: dict[str, Entry] = {}
        self._seen_version: int | None = None
        self._fingerprint: tuple[int, int] | None = None
        self._checked_at: float | None = None  # None: stale, look at the database on the next read
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """The briefings changed (a reload here, or a notification from another process)."""
        self._checked_at = None

    async def entries(self) -> list[Entry]:
        """Every briefing, newest first."""
        await self._refresh_if_stale()
        return self._entries

    async def find(self, ref: str | None) -> Entry | None:
        """The newest briefing for None; else by exact id, then by a unique id prefix."""
        entries = await self.entries()
        if not entries:
            return None
        if not ref:
            return entries[0]
        ref = ref.strip().lower()
        if ref in self._by_id:
            return self._by_id[ref]
        prefixed = [e for e in entries if e.briefing.id.startswith(ref)]
        if len(prefixed) == 1:
            return prefixed[0]
        return None

    async def search(
        self, words: list[str], briefing_id: str | None = None, limit: int = 10
    ) -> list[tuple[SearchHit, str]]:
        """Matching sentences, each with its briefing's title, grouped by briefing."""
        hits = await self.repo.search(words, briefing_id, limit)
        await self._refresh_if_stale()
        return [
            (h, self._by_id[h.briefing_id].briefing.title if h.briefing_id in self._by_id else h.briefing_id)
            for h in hits
        ]

    async def _refresh_if_stale(self) -> None:
        now = self.clock()
        if self._checked_at is not None and now - self._checked_at < self.recheck:
            return
        self._checked_at = now
        # data_version moves with every commit (the outbox commits constantly during a
        # fan-out); the fingerprint moves only when briefings change, and only new versions
        # are read and decoded.
        version = await self.repo.data_version()
        if version == self._seen_version:
            return
        async with self._lock:
            if version == self._seen_version:
                return
            fingerprint = await self.repo.fingerprint()
            if fingerprint != self._fingerprint:
                index = await self.repo.current_index()
                known = {e.version_id: e for e in self._entries}
                missing = [vid for _, vid, _, _ in index if vid not in known]
                data = await self.repo.version_data(missing) if missing else {}
                entries = [
                    known.get(vid) or Entry(Briefing.from_json(data[vid]), vid, loaded_at, source)
                    for _, vid, loaded_at, source in index
                ]
                self._entries = entries
                self._by_id = {e.briefing.id: e for e in entries}
                self._fingerprint = fingerprint
            self._seen_version = version
