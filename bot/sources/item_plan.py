"""What to do with one item of a fetched feed, given what storage already knows of it. Pure; no I/O.

Within a feed an item is found by its key, else by its content hash (a feed that rewrote the guid). The stored
Stamp is reused, so rewritten guids or dates produce identical briefing text and therefore no alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.sources.briefing_text import Stamp
from bot.sources.feed_items import FeedItem


@dataclass(frozen=True, slots=True)
class KnownItem:
    """Storage's row for an item of a feed."""

    key: str
    content_hash: str
    updated: datetime | None
    stamp: Stamp
    page_etag: str | None = None
    page_last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class ItemPlan:
    known: KnownItem | None  # None: a new item (make its Stamp with new_stamp, after any page fetch)
    fetch_page: bool  # fetch item.link (conditionally, with known.page_etag / page_last_modified)
    rebuild: bool  # write the briefing text again and let the library decide if it is a new version
    rekeyed: bool  # found by content under another key: remember item.key for that briefing too


def plan_item(item: FeedItem, by_key: KnownItem | None, by_hash: KnownItem | None, *, pages: bool) -> ItemPlan:
    page_possible = pages and not item.full_article and item.link is not None
    if by_key is None and by_hash is not None:
        return ItemPlan(by_hash, fetch_page=False, rebuild=False, rekeyed=True)  # a rewritten guid: same story
    if by_key is None:
        return ItemPlan(None, fetch_page=page_possible, rebuild=True, rekeyed=False)
    content_changed = item.content_hash != by_key.content_hash
    corrected = item.updated is not None and item.updated != by_key.updated
    fetch = page_possible and (content_changed or corrected)
    return ItemPlan(by_key, fetch_page=fetch, rebuild=content_changed or fetch, rekeyed=False)
