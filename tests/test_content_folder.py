"""The content folder as a source: it stays inside itself, refuses what is not a plain file,
names what is too large, and unpublishes a removed file (its versions kept)."""

from __future__ import annotations

import os
from dataclasses import replace

from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.reply import reply_text
from tests.conftest import query

READER = Caller(platform="telegram", chat_id=100, user_id=100, can_manage=True)
STORM = "Storm Floods Coast\n\nHeavy rain flooded 12 towns on Monday, officials said.\n"


async def test_a_link_out_of_the_folder_is_refused_by_name(core, content_dir, tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (content_dir / "passwd.txt").symlink_to(secret)
    report = await core.reload()
    assert ("passwd.txt", "refused: it resolves outside the content folder") in report.errors
    titles = [e.title for e in await core.library.listings()]
    assert not any("root:x" in t for t in titles)


async def test_a_link_inside_the_folder_is_read(core, content_dir):
    (content_dir / "storm-source.md").write_text(STORM, encoding="utf-8")
    (content_dir / "storm-link.txt").symlink_to(content_dir / "storm-source.md")
    report = await core.reload()
    assert not report.errors


async def test_what_is_not_a_regular_file_is_refused_without_blocking(core, content_dir):
    os.mkfifo(content_dir / "pipe.txt")  # opening it to read would wait for a writer
    (content_dir / "folder.md").mkdir()
    report = await core.reload()
    assert ("pipe.txt", "refused: not a regular file") in report.errors
    assert ("folder.md", "refused: not a regular file") in report.errors


async def test_an_oversized_file_is_named_and_the_last_good_version_stays(core, content_dir):
    core.loader.max_bytes = 2_000
    await core.reload()
    bundled = next(content_dir.iterdir())
    original = bundled.read_text(encoding="utf-8")
    bundled.write_text(original + "\n\nMore. " * 2_000, encoding="utf-8")
    report = await core.reload()
    [(name, reason)] = report.errors
    assert name == bundled.name and reason.startswith("file too large")


async def test_a_removed_file_is_unpublished_quietly_and_comes_back_without_a_second_alert(core, content_dir):
    router = build_router(core)
    await core.reload()
    (content_dir / "storm.txt").write_text(STORM, encoding="utf-8")
    await router.dispatch(READER, "subscribe", "")
    await core.reload()
    alerts_before = query(core, "SELECT COUNT(*) FROM alerts")[0][0]

    (content_dir / "storm.txt").unlink()
    report = await core.reload()
    assert report.removed == ["storm"]
    listing = reply_text(await router.dispatch(READER, "briefings", ""))
    assert "Storm Floods Coast" not in listing
    assert "Storm" not in reply_text(await router.dispatch(READER, "search", "flooded"))
    assert query(core, "SELECT COUNT(*) FROM alerts")[0][0] == alerts_before  # nothing announced
    assert query(core, "SELECT COUNT(*) FROM briefing_versions WHERE data LIKE '%Storm Floods%'")[0][0] == 1

    (content_dir / "storm.txt").write_text(STORM, encoding="utf-8")
    await core.reload()
    assert "Storm Floods Coast" in reply_text(await router.dispatch(READER, "briefings", ""))
    assert query(core, "SELECT COUNT(*) FROM alerts")[0][0] == alerts_before  # same content: no second alert


async def test_the_size_limit_is_a_setting(settings):
    from bot.settings import load_settings

    assert load_settings({"BOT_MAX_BRIEFING_BYTES": "5000"}).max_briefing_bytes == 5000
    assert replace(settings).max_briefing_bytes == 2_000_000
