"""Dashboard sign-in: the token compared in constant time, failed attempts slowed, sessions, CSRF tokens.

Failed attempts are slowed with a per-client lock-out computed from a clock passed in, never by
sleeping, so one client guessing does not hold up anybody else on the event loop.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]

SESSION_COOKIE = "bb_session"


def token_matches(given: str, expected: str) -> bool:
    """Constant-time comparison; an empty configured token never matches."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0
    last_at: float = 0.0


class SignInGuard:
    """Counts failed sign-ins per client; after `free_attempts` each failure doubles a lock-out."""

    def __init__(
        self,
        clock: Clock = time.time,
        free_attempts: int = 3,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        forget_after: float = 3600.0,
        max_clients: int = 10_000,
    ):
        self.clock = clock
        self.free_attempts = free_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self.max_clients = max_clients
        self._clients: OrderedDict[str, _Failures] = OrderedDict()

    def retry_after(self, client: str) -> float:
        """Seconds this client must wait before its next attempt is even checked (0: go ahead)."""
        entry = self._clients.get(client)
        if entry is None:
            return 0.0
        now = self.clock()
        if now - entry.last_at > self.forget_after:
            del self._clients[client]
            return 0.0
        return max(0.0, entry.locked_until - now)

    def failed(self, client: str) -> float:
        """Record a failure; returns the lock-out it starts (0 while attempts are still free)."""
        now = self.clock()
        entry = self._clients.pop(client, None) or _Failures()
        entry.count += 1
        entry.last_at = now
        over = entry.count - self.free_attempts
        delay = 0.0 if over <= 0 else min(self.max_delay, self.base_delay * 2 ** (over - 1))
        entry.locked_until = now + delay
        self._clients[client] = entry
        while len(self._clients) > self.max_clients:  # bounded memory under a spray of addresses
            self._clients.popitem(last=False)
        return delay

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)


@dataclass
class Session:
    id: str
    csrf: str
    expires_at: float
    flash: list[str] = field(default_factory=list)

    def csrf_matches(self, given: str) -> bool:
        return hmac.compare_digest(given.encode("utf-8"), self.csrf.encode("utf-8"))


class Sessions:
    """In-memory sessions (a restart signs everyone out, which is fine for one operator token)."""

    def __init__(self, clock: Clock = time.time, ttl: float = 12 * 3600, max_sessions: int = 1000):
        self.clock = clock
        self.ttl = ttl
        self.max_sessions = max_sessions
        self._by_id: OrderedDict[str, Session] = OrderedDict()

    def create(self) -> Session:
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock() + self.ttl)
        self._by_id[session.id] = session
        while len(self._by_id) > self.max_sessions:
            self._by_id.popitem(last=False)
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._by_id.get(session_id)
        if session is None:
            return None
        if session.expires_at <= self.clock():
            del self._by_id[session_id]
            return None
        return session

    def drop(self, session_id: str) -> None:
        self._by_id.pop(session_id, None)
