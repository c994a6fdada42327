"""What a platform said about one send, in terms the outbox acts on (platform-neutral)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.commands.richtext import Reply

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


class Sender(Protocol):
    """A front-end's way to deliver an alert to one chat (or thread)."""

    platform: str

    async def deliver(self, chat_id: int, thread_id: int, reply: Reply) -> Outcome: ...
