"""JSON Feed 1.0/1.1 documents read with the json module into the same raw entries feedparser gives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.sources.html_text import safe_text

MAX_ITEMS = 10_000


class JsonFeedError(ValueError):
    """Not a JSON Feed; the message is one line."""


@dataclass(frozen=True, slots=True)
class JsonEntry:
    guid: str | None
    link: str | None
    title: str
    html: str | None
    text: str | None
    summary: str | None
    published: datetime | None
    updated: datetime | None
    author: str | None


def looks_like_json(body: bytes, content_type: str) -> bool:
    return "json" in content_type.lower() or body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(body: bytes) -> tuple[dict[str, Any], list[JsonEntry]]:
    """(feed fields: title, home_page_url, feed_url; entries). Raises JsonFeedError."""
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise JsonFeedError("JSON Feed is not UTF-8") from None
    except RecursionError:
        raise JsonFeedError("JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise JsonFeedError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith("https://jsonfeed.org/version/1"):
        raise JsonFeedError("JSON without a JSON Feed version")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        raise JsonFeedError("JSON Feed without an items list")
    feed = {k: _str(doc.get(k)) for k in ("title", "home_page_url", "feed_url")}
    entries = [_entry(item) for item in raw_items[:MAX_ITEMS] if isinstance(item, dict)]
    return feed, entries


def _entry(item: dict[str, Any]) -> JsonEntry:
    listed = item.get("authors")
    authors: list[Any] = listed if isinstance(listed, list) else [item.get("author")]
    names = [_str(a.get("name")) for a in authors if isinstance(a, dict)]
    guid = item.get("id")
    return JsonEntry(
        guid=safe_text(str(guid)).strip() or None if isinstance(guid, (str, int)) else None,
        link=_str(item.get("url")) or _str(item.get("external_url")),
        title=_str(item.get("title")) or "",
        html=_str(item.get("content_html")),
        text=_str(item.get("content_text")),
        summary=_str(item.get("summary")),
        published=_date(item.get("date_published")),
        updated=_date(item.get("date_modified")),
        author=", ".join(n for n in names if n) or None,
    )


def _str(value: object) -> str | None:
    return safe_text(value).strip() or None if isinstance(value, str) else None


def _date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
