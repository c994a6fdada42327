"""What to announce: content changes, operator broadcasts and digests as outbox alerts.

Pure functions (no I/O): storage stores what they return in the same transaction as the
content change, so content and its alerts commit together.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bot.briefing.diff import diff_briefings
from bot.briefing.model import Briefing
from storage.outbox import NewAlert


def _briefing_text(b: Briefing) -> str:
    return " ".join([b.title, b.summary, *b.key_points, *b.paragraphs, *b.tags])


def briefing_alert(old: Briefing | None, new: Briefing) -> NewAlert | None:
    """A 'new' alert for an added briefing, a 'changed' one saying what changed, None otherwise.

    The dedup key is the content hash, so the same content is never announced twice, even
    when a file's name, date or id is rewritten back and forth.
    """
    base = {"briefing_id": new.id, "title": new.title, "summary": new.summary, "source": new.source}
    payload: dict[str, Any]
    if old is None:
        kind, payload = "new", {**base, "key_points": list(new.key_points)}
    else:
        change = diff_briefings(old, new)
        if change.is_empty:
            return None
        kind, payload = "changed", {**base, "change": change.to_json()}
    return NewAlert(kind, f"{kind}:{new.id}:{new.content_hash()}", payload, _briefing_text(new), new.id)


def broadcast_alert(text: str, author: str, now: float) -> NewAlert:
    digest = hashlib.sha256(f"{now}:{author}:{text}".encode()).hexdigest()[:16]
    return NewAlert("broadcast", f"broadcast:{digest}", {"text": text}, text)


def digest_alert(subscription_id: int, day: str, items: list[dict], current_title: str | None) -> NewAlert:
    payload = {"date": day, "items": items, "current_title": current_title}
    return NewAlert("digest", f"digest:{subscription_id}:{day}", payload)
