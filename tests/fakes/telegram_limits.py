"""Sliding-window flood limits of the fake Telegram server (Telegram's published bot limits)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RateLimiter", "RateLimits"]


@dataclass(frozen=True)
class RateLimits:
    """Messages allowed per window; the defaults are the limits Telegram documents."""

    private_per_second: int = 1
    group_per_minute: int = 20
    global_per_second: int = 30
    paid_global_per_second: int = 1000  # with allow_paid_broadcast=True


@dataclass
class RateLimiter:
    """Counts accepted messages and tells how long to wait when a window is full."""

    limits: RateLimits = field(default_factory=RateLimits)
    clock: Callable[[], float] = time.monotonic
    _per_chat: dict[int, deque[float]] = field(default_factory=dict)
    _global: deque[float] = field(default_factory=deque)

    def acquire(self, chat_id: int, chat_type: str, *, paid: bool = False) -> int | None:
        """Record one message, or return ``retry_after`` seconds without recording it."""
        now = self.clock()
        if chat_type == "private":
            chat_limit, chat_window = self.limits.private_per_second, 1.0
        else:
            chat_limit, chat_window = self.limits.group_per_minute, 60.0
        global_limit = self.limits.paid_global_per_second if paid else self.limits.global_per_second
        chat_times = self._per_chat.setdefault(chat_id, deque())
        for times, limit, window in ((chat_times, chat_limit, chat_window), (self._global, global_limit, 1.0)):
            wait = _wait(times, limit, window, now)
            if wait is not None:
                return wait
        chat_times.append(now)
        self._global.append(now)
        return None

    def reset(self) -> None:
        self._per_chat.clear()
        self._global.clear()


def _wait(times: deque[float], limit: int, window: float, now: float) -> int | None:
    while times and times[0] <= now - window:
        times.popleft()
    if len(times) < limit:
        return None
    return max(1, math.ceil(times[0] + window - now))
