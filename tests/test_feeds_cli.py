"""`python -m bot feeds ...` as a subprocess against the loopback feed server (running in a thread)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.feed_server_thread import ThreadedFeedServer
from tests.test_cli import run

PRIVATE = {"BOT_FETCH_ALLOW_PRIVATE": "true"}


@pytest.fixture(scope="module")
def site():
    with ThreadedFeedServer() as server:
        yield server


def feeds(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = run(tmp_path, "feeds", *args, env=PRIVATE)
    return result.returncode, result.stdout, result.stderr


def test_add_list_fetch_export_remove(tmp_path, site):
    url = site.url("/feeds/rss.xml")
    code, out, err = feeds(tmp_path, "add", url, "--every", "2.5", "--no-pages")
    assert code == 0 and out.startswith("added feed 1: World Desk & Wires (feed, 3 items, every 2.5 min)"), err
    code, _, err = feeds(tmp_path, "add", url)
    assert code == 1 and "already a feed (id 1)" in err and "Traceback" not in err

    code, out, err = feeds(tmp_path, "fetch")
    assert code == 0 and "feed 1 (World Desk & Wires): 3 added, 0 changed" in out, err
    code, out, _ = feeds(tmp_path, "list")
    assert "1. World Desk & Wires" in out and "every 2.5 min · 3 items · no pages" in out

    code, out, _ = feeds(tmp_path, "export")
    assert code == 0 and out.startswith("<?xml") and f'xmlUrl="{url}"' in out

    code, out, _ = feeds(tmp_path, "remove", "1")
    assert code == 0 and "its briefings stay" in out


def test_a_failing_feed_makes_fetch_exit_non_zero_and_import_skips_with_reasons(tmp_path, site):
    opml = tmp_path / "list.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
        f'<outline type="rss" text="Science" xmlUrl="{site.url("/feeds/atom.xml")}"/>'
        f'<outline type="rss" text="Broken" xmlUrl="{site.url("/fault/500")}"/>'
        '<outline type="rss" text="Local" xmlUrl="file:///etc/passwd"/></body></opml>'
    )
    code, out, err = feeds(tmp_path, "import", str(opml))
    assert code == 0 and "imported 2 feeds, skipped 1" in out and "not an http or https address" in err

    code, _, err = feeds(tmp_path, "add", site.url("/fault/404"))
    assert code == 1 and err.startswith("error: not added:") and "404" in err and "Traceback" not in err
    code, out, err = feeds(tmp_path, "fetch")
    assert code == 1 and "feed 2 (Broken): failed:" in err and "feed 1 (Science): " in out
