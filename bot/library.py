"""The served briefings: an index of every one in memory, whole briefings in a small cache.

Commands read from here, so the hot path parses nothing and, most of the time, asks the
database nothing: a reload in this process marks the index stale (`invalidate`), and a
change made by another process (`python -m bot reload`, another bot process) is noticed by
the database's cheap change counter, read at most once per `recheck` seconds.

Listing, search titles and autocomplete need only the index (id, title, dates). A whole
briefing (its text, figures, quotes) is decoded when asked for and kept in a least-recently-used
cache of `CACHED_BRIEFINGS`, keyed by version id: a version never changes, so a cached one
cannot be stale, and a reload that makes a new version current simply misses the cache. The
newest briefing (`/summary` without an argument) is always held.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.briefing.model import Briefing
from storage import BriefingRepository, SearchHit

RECHECK_SECONDS = 1.0
CACHED_BRIEFINGS = 48  # whole briefings besides the newest: about 12 KB each decoded
# Versions read and decoded at a time while indexing: the whole set (12 MB for 1,000) is never in
# memory at once, and each SQLite reader thread's malloc arena keeps no more than a chunk's rows.
INDEX_CHUNK = 20


@dataclass(frozen=True, slots=True)
class Listing:
    """What listing, search and autocomplete show of a briefing; held for every one."""

    id: str
    title: str
    published: str | None
    version_id: int
    loaded_at: float
    source_path: str | None


@dataclass(frozen=True, slots=True)
class Entry:
    """A whole briefing, as the reading commands need it."""

    briefing: Briefing
    version_id: int
    loaded_at: float
    source_path: str | None


class Library:
    def __init__(
        self,
        repo: BriefingRepository,
        *,
        recheck: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        cached: int = CACHED_BRIEFINGS,
    ):
        self.repo = repo
        self.recheck = recheck
        self.clock = clock
        self.cached = cached
        self._listings: list[Listing] = []
        self._by_id: dict[str, Listing] = {}
        self._newest: Entry | None = None
        self._cache: OrderedDict[int, Briefing] = OrderedDict()  # version id -> briefing, least recent first
        self._seen_version: int | None = None
        self._fingerprint: tuple[int, int] | None = None
        self._checked_at: float | None = None  # None: stale, look at the database on the next read
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """The briefings changed (a reload here, or a notification from another process)."""
        self._checked_at = None

    async def listings(self) -> list[Listing]:
        """Every briefing, newest first."""
        await self._refresh_if_stale()
        return self._listings

    async def find(self, ref: str | None) -> Entry | None:
        """The newest briefing for None; else by exact id, then by a unique id prefix."""
        await self._refresh_if_stale()
        if not ref:
            return self._newest
        listing = self._resolve(ref.strip().lower())
        return await self._whole(listing) if listing is not None else None

    async def search(
        self, words: list[str], briefing_id: str | None = None, limit: int = 10
    ) -> list[tuple[SearchHit, str]]:
        """Matching sentences, each with its briefing's title, grouped by briefing."""
        hits = await self.repo.search(words, briefing_id, limit)
        await self._refresh_if_stale()
        return [(h, self._by_id[h.briefing_id].title if h.briefing_id in self._by_id else h.briefing_id) for h in hits]

    def _resolve(self, ref: str) -> Listing | None:
        if ref in self._by_id:
            return self._by_id[ref]
        prefixed = [item for item in self._listings if item.id.startswith(ref)]
        return prefixed[0] if len(prefixed) == 1 else None

    async def _whole(self, listing: Listing) -> Entry | None:
        newest = self._newest
        if newest is not None and newest.version_id == listing.version_id:
            return newest
        briefing = self._cache.get(listing.version_id)
        if briefing is None:
            data = (await self.repo.version_data([listing.version_id])).get(listing.version_id)
            if data is None:
                return None
            briefing = Briefing.from_json(data)
        self._remember(listing.version_id, briefing)
        return Entry(briefing, listing.version_id, listing.loaded_at, listing.source_path)

    def _remember(self, version_id: int, briefing: Briefing) -> None:
        self._cache[version_id] = briefing
        self._cache.move_to_end(version_id)
        while len(self._cache) > self.cached:
            self._cache.popitem(last=False)

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
                await self._reindex()
                self._fingerprint = fingerprint
            self._seen_version = version

    async def _reindex(self) -> None:
        index = await self.repo.current_index()
        known = {item.version_id: item for item in self._listings}
        missing = [vid for _, vid, _, _ in index if vid not in known]
        newest_vid = index[0][1] if index else None
        newest_data: dict | None = None
        headings: dict[int, tuple[str, str | None]] = {}
        for start in range(0, len(missing), INDEX_CHUNK):
            for vid, data in (await self.repo.version_data(missing[start : start + INDEX_CHUNK])).items():
                headings[vid] = (data["title"], data.get("published"))
                if vid == newest_vid:
                    newest_data = data
        listings = [
            known.get(vid) or Listing(briefing_id, *headings[vid], vid, loaded_at, source)
            for briefing_id, vid, loaded_at, source in index
            if vid in known or vid in headings
        ]
        self._listings = listings
        self._by_id = {item.id: item for item in listings}
        current = {item.version_id for item in listings}
        for vid in [vid for vid in self._cache if vid not in current]:
            del self._cache[vid]
        newest = await self._pin_newest(listings[0] if listings else None, newest_data)
        previous, self._newest = self._newest, newest
        if previous is not None and previous is not newest and previous.version_id in current:
            self._remember(previous.version_id, previous.briefing)  # no longer the newest, but still served

    async def _pin_newest(self, listing: Listing | None, data: dict | None) -> Entry | None:
        if listing is None:
            return None
        if self._newest is not None and self._newest.version_id == listing.version_id:
            return self._newest
        if data is not None:
            briefing = Briefing.from_json(data)
        elif (cached := self._cache.pop(listing.version_id, None)) is not None:
            briefing = cached
        else:
            loaded = (await self.repo.version_data([listing.version_id])).get(listing.version_id)
            if loaded is None:
                return None
            briefing = Briefing.from_json(loaded)
        return Entry(briefing, listing.version_id, listing.loaded_at, listing.source_path)
