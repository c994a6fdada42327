"""The library: an index of every briefing, whole briefings in a bounded cache, never stale after a reload."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import bot.library
from bot.core import Core
from bot.library import Library
from storage import BriefingRepository


class CountingRepository(BriefingRepository):
    """The real repository on the real file, noting which versions the library decodes."""

    def __init__(self, repo: BriefingRepository):
        super().__init__(repo.db)
        self.loaded: list[int] = []

    async def version_data(self, version_ids: list[int]) -> dict[int, dict]:
        self.loaded += version_ids
        return await super().version_data(version_ids)


def write_briefing(folder: Path, n: int, extra: str = "") -> None:
    (folder / f"story-{n:02d}.txt").write_text(
        f"---\nid: story-{n:02d}\npublished: 2026-11-{n:02d}\n---\n"
        f"Story Number {n}\n\nIn town {n}, 1{n} families moved out on Monday, officials said.{extra}\n",
        encoding="utf-8",
    )


@pytest.fixture
def stories(content_dir: Path) -> Path:
    (content_dir / "kursk-incursion.txt").unlink()
    for n in range(1, 9):
        write_briefing(content_dir, n)
    return content_dir


@pytest.fixture
async def loaded(core: Core, stories: Path) -> Core:
    await core.reload()
    return core


@pytest.fixture
def repo(loaded: Core) -> CountingRepository:
    return CountingRepository(loaded.library.repo)


async def test_the_index_lists_every_briefing_and_decodes_each_version_once(repo, monkeypatch):
    monkeypatch.setattr(bot.library, "INDEX_CHUNK", 3)  # several chunks for eight briefings
    library = Library(repo)
    listings = await library.listings()
    assert [item.id for item in listings] == [f"story-{n:02d}" for n in range(8, 0, -1)]
    assert listings[0].title == "Story Number 8" and listings[0].published == "2026-11-08"
    assert sorted(repo.loaded) == sorted(item.version_id for item in listings)
    newest = await library.find(None)
    assert newest is not None and newest.briefing.id == "story-08" and "18 families" in newest.briefing.paragraphs[0]


async def test_whole_briefings_are_cached_up_to_the_bound_and_the_newest_always(repo):
    library = Library(repo, cached=3)
    listings = await library.listings()
    by_id = {item.id: item.version_id for item in listings}
    repo.loaded.clear()
    for n in (1, 2, 3, 4):
        entry = await library.find(f"story-{n:02d}")
        assert entry is not None and f"1{n} families" in entry.briefing.paragraphs[0]
    assert repo.loaded == [by_id[f"story-{n:02d}"] for n in (1, 2, 3, 4)]
    repo.loaded.clear()
    await library.find("story-04")  # among the three most recently read
    await library.find("story-02")
    for _ in range(5):
        assert (await library.find(None)).briefing.id == "story-08"  # type: ignore[union-attr]
    assert repo.loaded == []
    await library.find("story-01")  # the least recently read: evicted, read again
    assert repo.loaded == [by_id["story-01"]]


async def test_a_prefix_names_a_briefing_only_when_it_is_unique(repo):
    library = Library(repo)
    assert (await library.find("story-0")) is None
    entry = await library.find("  STORY-05 ")
    assert entry is not None and entry.briefing.id == "story-05"


async def test_a_cached_briefing_is_never_served_stale_after_a_reload(loaded, stories):
    core = loaded
    before = await core.library.find("story-03")
    newest_before = await core.library.find(None)
    assert before is not None and newest_before is not None
    write_briefing(stories, 3, extra=" By evening 99 more had left.")
    write_briefing(stories, 8, extra=" The mayor asked for 40 buses.")
    await core.reload()
    after = await core.library.find("story-03")
    newest = await core.library.find(None)
    assert after is not None and after.version_id != before.version_id
    assert "99 more had left" in after.briefing.paragraphs[0]
    assert newest is not None and "40 buses" in newest.briefing.paragraphs[0]
    # The index follows too: the listing points at the new versions.
    listed = {item.id: item.version_id for item in await core.library.listings()}
    assert listed["story-03"] == after.version_id and listed["story-08"] == newest.version_id


async def test_a_reload_by_another_process_replaces_cached_briefings_after_the_recheck(loaded, stories, settings):
    core = loaded
    clock = [0.0]
    core.library.clock = lambda: clock[0]
    cached = await core.library.find("story-05")
    assert cached is not None and "77 returned" not in cached.briefing.paragraphs[0]
    write_briefing(stories, 5, extra=" Later 77 returned.")
    write_briefing(stories, 9)  # a new newest briefing
    other = await Core.open(replace(settings))
    try:
        await other.reload()
    finally:
        await other.close()
    clock[0] += core.library.recheck
    entry = await core.library.find("story-05")
    assert entry is not None and "77 returned" in entry.briefing.paragraphs[0]
    newest = await core.library.find(None)
    assert newest is not None and newest.briefing.id == "story-09"
    # The briefing that was the newest is still served whole.
    previous = await core.library.find("story-08")
    assert previous is not None and previous.briefing.title == "Story Number 8"


async def test_an_empty_library_has_no_newest_and_finds_nothing(core, content_dir):
    (content_dir / "kursk-incursion.txt").unlink()
    await core.reload()
    assert await core.library.listings() == []
    assert await core.library.find(None) is None
    assert await core.library.find("anything") is None
