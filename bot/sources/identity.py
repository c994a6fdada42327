"""Who an item is: its identity key in a feed, a short id people can type, and a hash of its normalised text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime

MAX_ID_CHARS = 40
_HASH_CHARS = 6
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_WORDS = re.compile(r"\w+", re.UNICODE)


def item_key(guid: str | None, link: str | None, title: str, published: datetime | None) -> str:
    """The guid, else the link, else the title and date: what the feed itself says identifies the item."""
    if guid and guid.strip():
        return "guid:" + " ".join(guid.split())
    if link:
        return "link:" + link
    when = published.isoformat() if published else ""
    return f"title:{' '.join(title.split()).casefold()}|{when}"


def content_hash(title: str, text: str) -> str:
    """Same words in the same order -> same hash, whatever the markup, spacing, case or punctuation."""
    words = _WORDS.findall(unicodedata.normalize("NFKC", f"{title}\n{text}").casefold())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def slug(text: str, limit: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = [w for w in _NOT_SLUG.split(ascii_text) if w]
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or (words[0][:limit] if words else "")


def short_id(title: str, key: str, *, feed_id: str | int = "") -> str:
    """``slug-of-the-title-1a2b3c``: at most 40 characters of [a-z0-9-], stable for one item of one feed."""
    digest = hashlib.sha256(f"{feed_id}\n{key}".encode()).hexdigest()[:_HASH_CHARS]
    head = slug(title, MAX_ID_CHARS - _HASH_CHARS - 1)
    return f"{head}-{digest}" if head else f"item-{digest}"
