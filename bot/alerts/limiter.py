"""Pacing alert sends under a platform's limits: one overall rate plus a rate per chat.

Each send books the next free slot (a GCRA-style schedule), so the achieved rate sits just
under the limit without bursts that would draw 429s. A 429 pauses the whole platform for
its retry_after. Command replies book their slots here too (through the Telegram sender),
since the platform counts every message. Several processes on one database each pace at
their `share` of the limits (1 / live processes, kept current by bot.fleet).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Pace a little below the nominal limits: the server counts on its own clock, and network
# jitter can bunch sends that left here evenly spaced.
SAFETY = 0.97


@dataclass
class Limits:
    per_second: float  # overall; 0 = unlimited
    private_per_second: float = 0.0  # Telegram private chats (positive ids); 0 = unlimited
    group_per_minute: float = 0.0  # Telegram groups and channels (negative ids); 0 = unlimited


@dataclass
class RateLimiter:
    limits: Limits
    clock: Callable[[], float] = time.monotonic
    _next_global: float = 0.0
    _next_chat: dict[int, float] = field(default_factory=dict)
    share: float = 1.0  # this process's part of the limits when several send for one bot

    def _chat_interval(self, chat_id: int) -> float:
        lim = self.limits
        if chat_id < 0 and lim.group_per_minute:
            return 60.0 / (lim.group_per_minute * SAFETY * self.share)
        if chat_id > 0 and lim.private_per_second:
            return 1.0 / (lim.private_per_second * SAFETY * self.share)
        return 0.0

    def chat_ready_in(self, chat_id: int) -> float:
        """Seconds until this chat may receive another message (0: now)."""
        return max(0.0, self._next_chat.get(chat_id, 0.0) - self.clock())

    def reserve(self, chat_id: int) -> float:
        """Book a slot for one send to this chat; returns how long to wait before sending."""
        now = self.clock()
        slot = max(now, self._next_global, self._next_chat.get(chat_id, 0.0))
        if self.limits.per_second:
            self._next_global = slot + 1.0 / (self.limits.per_second * SAFETY * self.share)
        interval = self._chat_interval(chat_id)
        if interval:
            self._next_chat[chat_id] = slot + interval
            if len(self._next_chat) > 50_000:
                self._forget_idle(now)
        return slot - now

    def pause(self, seconds: float) -> None:
        """The platform said 429: nobody sends until it has passed."""
        self._next_global = max(self._next_global, self.clock() + seconds)

    def _forget_idle(self, now: float) -> None:
        self._next_chat = {k: v for k, v in self._next_chat.items() if v > now}
