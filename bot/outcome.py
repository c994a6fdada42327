"""What a platform said about one send, in terms the outbox acts on (a platform-neutral leaf module)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["sent", "retry", "gone", "moved", "failed"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """sent; retry (after ``retry_after`` s if the platform said so, else with backoff);
    gone (blocked, kicked, deleted: deactivate the subscription); moved (the chat has a new
    id: follow it and send again); failed (this message can never be sent: give up on it)."""

    status: Status
    error: str = ""
    retry_after: float | None = None
    rate_limited: bool = False  # a 429: the whole platform should slow down
    new_chat_id: int | None = None


SENT = Outcome("sent")
