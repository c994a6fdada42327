"""Sending a Reply to a Discord channel (or thread) and classifying what Discord answered.

discord.py already waits out short rate limits itself; what reaches `classify` is a 429 it
gave up on, a server error, a channel the bot lost, or a request Discord will never accept.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from bot.alerts.outcome import SENT, Outcome
from bot.commands.richtext import Reply
from bot.frontends.on_discord.render import DiscordMessage, render

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
DEFAULT_RETRY_AFTER = 1.0


class DiscordSender:
    """The alert Sender for Discord: every part of a long reply goes out, or the whole is retried."""

    platform = "discord"

    def __init__(self, client: discord.Client):
        self.client = client

    async def deliver(self, chat_id: int, thread_id: int, reply: Reply) -> Outcome:
        outcome = await self.send(thread_id or chat_id, reply)
        if thread_id and outcome.status == "gone" and outcome.error.startswith("404"):
            log.info("thread %s of channel %s is gone; using the channel", thread_id, chat_id)
            outcome = await self.send(chat_id, reply)
        return outcome

    async def send(self, channel_id: int, reply: Reply) -> Outcome:
        try:
            channel = await self._channel(channel_id)
            for part in render(reply, embeds=True):
                await send_part(channel, part)
        except Exception as exc:  # classify() re-raises what it does not know
            outcome = classify(exc)
            log.debug("discord send to %s: %s %s", channel_id, outcome.status, outcome.error)
            return outcome
        return SENT

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.client.get_channel(channel_id)
        if channel is None:
            channel = await self.client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise TypeError(f"channel {channel_id} cannot receive messages")
        return channel


async def send_part(channel: discord.abc.Messageable, part: DiscordMessage) -> None:
    await channel.send(content=part.content, embeds=part.embeds, allowed_mentions=NO_MENTIONS)


def retry_after(exc: discord.HTTPException) -> float:
    """Seconds Discord asked us to wait (the Retry-After header), else a second."""
    headers = getattr(exc.response, "headers", None) or {}
    try:
        return float(headers.get("Retry-After", DEFAULT_RETRY_AFTER))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def classify(exc: BaseException) -> Outcome:
    """Map a send failure to what the outbox does next; unknown exceptions are re-raised."""
    if isinstance(exc, discord.RateLimited):  # longer than the client's max_ratelimit_timeout
        return Outcome("retry", str(exc), retry_after=exc.retry_after, rate_limited=True)
    if isinstance(exc, (discord.Forbidden, discord.NotFound)):
        return Outcome("gone", f"{exc.status} {exc.code}: {exc.text}")
    if isinstance(exc, discord.HTTPException):
        error = f"{exc.status} {exc.code}: {exc.text}"
        if exc.status == 429:
            return Outcome("retry", error, retry_after=retry_after(exc), rate_limited=True)
        if exc.status >= 500:
            return Outcome("retry", error)
        return Outcome("failed", error)
    if isinstance(exc, TypeError):
        return Outcome("gone", str(exc))
    if isinstance(exc, (aiohttp.ClientError, OSError, asyncio.TimeoutError, discord.GatewayNotFound)):
        return Outcome("retry", str(exc) or type(exc).__name__)
    raise exc
