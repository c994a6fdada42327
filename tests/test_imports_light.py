"""The bot's main process imports only what it uses: feed and page readers load where documents are parsed.

Each check runs in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "feeds"

# Tens of megabytes between them, and the service's main process never reads a document itself.
DOCUMENT_READERS = ("feedparser", "trafilatura", "lxml", "courlan", "htmldate", "justext", "defusedxml")
# The service imports a front-end only when its platform has a token, Jinja2 only for a dashboard page.
ON_DEMAND = ("telegram", "discord", "jinja2")

PROBE = """
import json, sys
from pathlib import Path

def loaded(names):
    return sorted(n for n in names if n in sys.modules)

import bot.service
at_start = loaded(sys.argv[1].split(","))

from bot.sources.articles import extract_article
from bot.sources.feed_items import parse_feed

data = Path(sys.argv[2])
feed = parse_feed((data / "rss2.xml").read_bytes(), "https://news.example/world/rss.xml",
                  {"Content-Type": "application/rss+xml; charset=utf-8"})
after_feed = loaded(["feedparser", "lxml", "trafilatura"])
article = extract_article((data / "article.html").read_bytes(), "https://news.example/a", "utf-8")
print(json.dumps({
    "at_start": at_start,
    "after_feed": after_feed,
    "after_article": loaded(["trafilatura"]),
    "items": [i.title for i in feed.items],
    "texts": [i.text for i in feed.items],
    "article_title": article.title if article else None,
}))
"""


def probe() -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(DOCUMENT_READERS + ON_DEMAND), str(DATA)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_service_import_leaves_document_readers_and_front_ends_out_and_parsing_loads_them():
    result = probe()
    assert result["at_start"] == [], f"importing bot.service loaded {result['at_start']}"
    # Parsing still works once asked for, loading its libraries then.
    assert result["after_feed"] == ["feedparser", "lxml"]
    assert result["items"][0] == "Ukrainian forces push into Kursk region as Russia evacuates thousands"
    assert all("<" not in text for text in result["texts"])  # the HTML went through lxml to plain text
    assert result["after_article"] == ["trafilatura"]
    assert result["article_title"] == "Ukrainian forces push into Kursk region as Russia evacuates thousands"
