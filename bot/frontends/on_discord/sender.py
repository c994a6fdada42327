"""Sending alerts to Discord channels (or threads) over REST, and classifying what Discord answered.

Alerts go straight to `POST /channels/{id}/messages` on our own aiohttp session instead of
through discord.py's HTTP client: discord.py keeps one rate-limit bucket per channel and
scans all of them for every new one, so a fan-out to thousands of channels slowed down
quadratically (half the CPU of a 3,000-channel fan-out). Pacing is the outbox limiter's
job; a short 429 is waited out here, a longer one goes back to the outbox. A fan-out hands
the same Reply to every channel, so it is rendered and JSON-encoded once, not once per send.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from discord.http import Route

from bot.frontends.on_discord.render import DiscordMessage, render
from bot.outcome import SENT, Outcome
from bot.reply import Reply

log = logging.getLogger(__name__)

NO_MENTIONS: dict[str, list[str]] = {"parse": []}
INLINE_WAIT_MAX = 1.0  # a 429 asking for longer than this is retried by the outbox
TRIES = 3
DEFAULT_RETRY_AFTER = 1.0
CACHED_REPLIES = 64


class DiscordSender:
    """The alert Sender for Discord: every part of a long reply goes out, or the whole is retried."""

    platform = "discord"

    def __init__(self, token: str, *, pool_size: int = 32):
        self._headers = {
            "Authorization": f"Bot {token}",
            "Content-Type": "application/json",
            "User-Agent": "DiscordBot (briefing-bot, 0.1)",
        }
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._timeout = aiohttp.ClientTimeout(total=30)
        self._cache: dict[int, tuple[Reply, list[bytes]]] = {}
        # Set by the front-end: an alert's actions (its "Full briefing" button) as message components.
        self.alert_components: Callable[[Reply], list[dict[str, Any]] | None] | None = None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def deliver(self, chat_id: int, thread_id: int, reply: Reply) -> Outcome:
        outcome = await self.send(thread_id or chat_id, reply)
        if thread_id and outcome.status == "gone" and outcome.error.startswith("404"):
            log.info("thread %s of channel %s is gone; using the channel", thread_id, chat_id)
            outcome = await self.send(chat_id, reply)
        return outcome

    async def send(self, channel_id: int, reply: Reply) -> Outcome:
        for body in self._encoded(reply):
            outcome = await self._post(channel_id, body)
            if outcome.status != "sent":
                return outcome
        return SENT

    def _encoded(self, reply: Reply) -> list[bytes]:
        # The cache holds the Reply itself, so its id cannot be reused while the entry lives.
        hit = self._cache.get(id(reply))
        if hit is not None and hit[0] is reply:
            return hit[1]
        if len(self._cache) > CACHED_REPLIES:
            self._cache.clear()
        parts = render(reply, embeds=True)
        rows = self.alert_components(reply) if self.alert_components is not None else None
        bodies = [_payload(part, rows if part is parts[-1] else None) for part in parts]
        self._cache[id(reply)] = (reply, bodies)
        return bodies

    async def _post(self, channel_id: int, body: bytes) -> Outcome:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size), headers=self._headers
            )
        url = f"{Route.BASE}/channels/{channel_id}/messages"
        outcome = Outcome("retry", "not tried")
        for _ in range(TRIES):
            try:
                async with self._session.post(url, data=body, timeout=self._timeout) as response:
                    outcome = classify(response.status, await response.read(), response.headers)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                return Outcome("retry", f"{type(exc).__name__}: {exc}")
            wait = outcome.retry_after or 0
            if not outcome.rate_limited or wait > INLINE_WAIT_MAX:
                return outcome
            await asyncio.sleep(wait)  # Discord asked for this short pause
        return outcome


def _payload(part: DiscordMessage, components: list[dict[str, Any]] | None = None) -> bytes:
    body: dict = {"allowed_mentions": NO_MENTIONS}
    if part.content:
        body["content"] = part.content
    if part.embeds:
        body["embeds"] = [e.to_dict() for e in part.embeds]
    if components:
        body["components"] = components
    return json.dumps(body).encode()


def classify(status: int, raw: bytes, headers) -> Outcome:
    """Map Discord's answer to what the outbox does next."""
    if 200 <= status < 300:
        return SENT
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    error = f"{status} {data.get('code', 0)}: {data.get('message', '')}"
    if status == 429:
        try:
            wait = float(data.get("retry_after") or headers.get("Retry-After") or DEFAULT_RETRY_AFTER)
        except (TypeError, ValueError):
            wait = DEFAULT_RETRY_AFTER
        return Outcome("retry", error, retry_after=wait, rate_limited=True)
    if status in (403, 404):  # Missing Access / Missing Permissions / Unknown Channel
        return Outcome("gone", error)
    if status >= 500 or status == 408:
        return Outcome("retry", error)
    return Outcome("failed", error)
