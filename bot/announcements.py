"""Turning content changes and operator broadcasts into outbox alerts (inside the caller's transaction)."""

from __future__ import annotations

import hashlib

import aiosqlite

from bot.briefing.diff import diff_briefings
from bot.briefing.model import Briefing
from storage.outbox import enqueue_alert


def _briefing_text(b: Briefing) -> str:
    return " ".join([b.title, b.summary, *b.key_points, *b.paragraphs, *b.tags])


async def queue_briefing_alert(conn: aiosqlite.Connection, old: Briefing | None, new: Briefing, now: float) -> int:
    """A 'new' alert for an added briefing, a 'changed' one saying what changed, nothing otherwise.

    The dedup key is the content hash, so the same content is never announced twice, even
    when a file's name, date or id is rewritten back and forth.
    """
    base = {"briefing_id": new.id, "title": new.title, "summary": new.summary, "source": new.source}
    if old is None:
        kind, payload = "new", {**base, "key_points": list(new.key_points)}
    else:
        change = diff_briefings(old, new)
        if change.is_empty:
            return 0
        kind, payload = "changed", {**base, "change": change.to_json()}
    return await enqueue_alert(
        conn,
        kind=kind,
        dedup_key=f"{kind}:{new.id}:{new.content_hash()}",
        payload=payload,
        search_text=_briefing_text(new),
        now=now,
        briefing_id=new.id,
    )


async def queue_broadcast(conn: aiosqlite.Connection, text: str, author: str, now: float) -> int:
    digest = hashlib.sha256(f"{now}:{author}:{text}".encode()).hexdigest()[:16]
    return await enqueue_alert(
        conn,
        kind="broadcast",
        dedup_key=f"broadcast:{digest}",
        payload={"text": text},
        search_text=text,
        now=now,
        everyone=True,
    )
