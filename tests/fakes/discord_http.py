"""HTTP helpers of the fake Discord API: JSON replies, errors, rate limits, injected failures.

discord.py only decodes bodies whose content type is exactly
``application/json`` and retries a 429 only if it carries a ``Via`` header,
so replies are built by hand rather than with ``web.json_response``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

_dumps = json.JSONEncoder(separators=(",", ":")).encode

ERROR_MESSAGES: dict[int, str] = {
    0: "401: Unauthorized",
    10002: "Unknown Application",
    10003: "Unknown Channel",
    10008: "Unknown Message",
    10015: "Unknown Webhook",
    10062: "Unknown interaction",
    10063: "Unknown application command",
    40060: "Interaction has already been acknowledged",
    50001: "Missing Access",
    50006: "Cannot send an empty message",
    50013: "Missing Permissions",
}

UNLIMITED = 1_000_000


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``."""
    resp = web.Response(body=_dumps(data).encode(), status=status, headers=headers)
    resp.content_type = "application/json"
    return resp


def error_reply(status: int, code: int, message: str | None = None) -> web.Response:
    """Discord's ``{"code", "message"}`` error body."""
    return json_reply({"code": code, "message": message or ERROR_MESSAGES.get(code, "Error")}, status)


def no_content() -> web.Response:
    return web.Response(status=204)


def _default_code(status: int, path: str) -> int:
    if status == 404:
        if "/interactions/" in path:
            return 10062
        return 10015 if "/webhooks/" in path else 10003
    return {401: 0, 403: 50013, 400: 50035}.get(status, 0)


@dataclass
class Failure:
    """An injected failure for requests whose "METHOD /path" contains ``match``."""

    match: str
    status: int
    count: int
    retry_after: float = 0.2
    global_: bool = False
    code: int | None = None
    message: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return self.match in path or self.match in f"{method} {path}"


@dataclass
class Bucket:
    """A fixed-window rate-limit bucket."""

    key: str
    limit: int
    window: float
    remaining: int = 0
    reset_at: float = 0.0
    hash: str = ""

    def __post_init__(self) -> None:
        self.hash = hashlib.md5(self.key.encode()).hexdigest()[:16]

    def refresh(self, now: float) -> None:
        if now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = now + self.window

    def take(self, now: float) -> bool:
        self.refresh(now)
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True

    def headers(self, now: float) -> dict[str, str]:
        after = max(self.reset_at - now, 0.0)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": self.hash,
        }


def rate_limited_reply(bucket_headers: dict[str, str], retry_after: float, *, global_: bool) -> web.Response:
    """A real-looking 429 (with ``Via`` so discord.py retries it)."""
    headers = dict(bucket_headers)
    headers.update(
        {
            "Via": "1.1 google",
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Scope": "global" if global_ else "user",
        }
    )
    if global_:
        headers["X-RateLimit-Global"] = "true"
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": global_}
    return json_reply(body, 429, headers)


def failure_reply(failure: Failure, method: str, path: str, bucket_headers: dict[str, str]) -> web.Response:
    """The response for an injected failure."""
    if failure.status == 429:
        return rate_limited_reply(bucket_headers, failure.retry_after, global_=failure.global_)
    if failure.status in (500, 502, 503, 504):
        body = {"message": f"{failure.status}: Server Error", "code": 0}
        return json_reply(body, failure.status, bucket_headers)
    code = failure.code if failure.code is not None else _default_code(failure.status, path)
    resp = error_reply(failure.status, code, failure.message)
    resp.headers.update(bucket_headers)
    return resp


class RateLimiter:
    """Per-route buckets (keyed by route template and major parameter) plus a global limit."""

    def __init__(self, enforce: bool, limits: dict[str, tuple[int, float]], global_limit: int) -> None:
        self.enforce = enforce
        self.limits = limits
        self.global_bucket = Bucket("global", global_limit, 1.0)
        self.buckets: dict[str, Bucket] = {}

    def bucket(self, method: str, template: str, major: str) -> Bucket:
        key = f"{method} {template}:{major}"
        bucket = self.buckets.get(key)
        if bucket is None:
            limit, window = self.limits.get(f"{method} {template}", (50, 1.0))
            if not self.enforce:
                limit = UNLIMITED
            bucket = self.buckets[key] = Bucket(f"{method} {template}", limit, window)
        return bucket

    def check(self, bucket: Bucket, path: str, now: float) -> web.Response | None:
        """A 429 reply if the request is over a limit, else None (and the request is counted)."""
        limited = self.enforce and "/interactions/" not in path and "/webhooks/" not in path
        if limited and not self.global_bucket.take(now):
            retry = round(self.global_bucket.reset_at - now, 3)
            return rate_limited_reply(bucket.headers(now), retry, global_=True)
        if not bucket.take(now):
            return rate_limited_reply(bucket.headers(now), round(bucket.reset_at - now, 3), global_=False)
        return None
