"""Sending a Reply to a Telegram chat and classifying what Telegram answered.

Shared by command replies and alert delivery: HTML first, plain text when Telegram cannot
parse the entities, the chat's general topic when the forum topic is gone. Messages go out
as pre-encoded sendMessage bodies on the aiohttp transport's session, not through
python-telegram-bot's request layer: its per-call parameter objects, encoding and error
objects were most of a fan-out's CPU. python-telegram-bot still does everything else.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Callable
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter, TelegramError

from bot.frontends.on_telegram.render import render_messages
from bot.frontends.on_telegram.send_message_wire import EncodedText, ErrorAnswer, read_error
from bot.frontends.on_telegram.transport import AiohttpRequest
from bot.outcome import SENT, Outcome
from bot.reply import Reply

log = logging.getLogger(__name__)

_GONE = (
    "chat not found",
    "bot was kicked",
    "not enough rights",
    "have no rights",
    "user is deactivated",
    "chat_write_forbidden",
    "need administrator rights",
    "bot is not a member",
)
_THREAD_GONE = ("message thread not found", "topic_closed", "topic_deleted", "topic closed")
_CANNOT_PARSE = "can't parse entities"
CACHED_REPLIES = 64


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class Pacer(Protocol):
    """The platform's shared budget (bot.alerts.limiter.RateLimiter): alerts and replies book in one."""

    def reserve(self, chat_id: int) -> float: ...

    def pause(self, seconds: float) -> None: ...


class TelegramSender:
    platform = "telegram"
    # Set by the service: replies book their slots in the same budget as alerts (Telegram counts
    # every message), in memory, so a reply costs no database round trip.
    pacer: Pacer | None = None
    # Set by the front-end: an alert's actions (its "Full briefing" button) as an inline keyboard.
    alert_keyboard: Callable[[Reply], InlineKeyboardMarkup | None] | None = None

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False):
        # Our own transport, reached through the Bot so its session lives and dies with the Bot.
        request = bot.request
        if not isinstance(request, AiohttpRequest):
            raise TypeError("TelegramSender needs a Bot built with .request(AiohttpRequest(...))")
        self.bot = bot
        self.paid_broadcast = paid_broadcast
        self._request = request
        self._url = f"{bot.base_url}/sendMessage"  # carries the token: never logged
        self._cache: dict[tuple[int, bool, bool], tuple[Reply, list[tuple[EncodedText, EncodedText]]]] = {}

    def _encoded(self, reply: Reply, paid: bool, buttons: bool = False) -> list[tuple[EncodedText, EncodedText]]:
        # A fan-out hands the same Reply object to every chat: render and encode it once, its
        # buttons included. The cache holds the Reply itself, so its id cannot be reused while
        # the entry lives.
        key = (id(reply), paid, buttons)
        hit = self._cache.get(key)
        if hit is not None and hit[0] is reply:
            return hit[1]
        if len(self._cache) > CACHED_REPLIES:
            self._cache.clear()
        parts = [
            (EncodedText.of(html, ParseMode.HTML, paid), EncodedText.of(plain, None, paid))
            for html, plain in render_messages(reply)
        ]
        markup = self.alert_keyboard(reply) if buttons and self.alert_keyboard is not None else None
        if markup is not None:
            html, plain = parts[-1]
            parts = [*parts[:-1], (_with_markup(html, markup), _with_markup(plain, markup))]
        self._cache[key] = (reply, parts)
        return parts

    async def deliver(self, chat_id: int, thread_id: int, reply: Reply) -> Outcome:
        """Send an alert; every part of a long reply goes out, or the whole is retried.

        The delivery worker has booked the slot already (and pauses on a 429 itself)."""
        return await self._send_parts(chat_id, thread_id, self._encoded(reply, self.paid_broadcast, True), None)

    async def send(
        self,
        chat_id: int,
        thread_id: int,
        reply: Reply,
        *,
        paid: bool = False,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Outcome:
        """Send a command reply (or a notice), paced by the shared budget when there is one;
        `markup` (its buttons) goes under the last part."""
        return await self._send(chat_id, thread_id, reply, paid, self.pacer, markup)

    async def _send(
        self,
        chat_id: int,
        thread_id: int,
        reply: Reply,
        paid: bool,
        pacer: Pacer | None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Outcome:
        parts = self._encoded(reply, paid)
        if markup is not None:
            html, plain = parts[-1]
            parts = [*parts[:-1], (_with_markup(html, markup), _with_markup(plain, markup))]
        return await self._send_parts(chat_id, thread_id, parts, pacer)

    async def _send_parts(
        self, chat_id: int, thread_id: int, parts: list[tuple[EncodedText, EncodedText]], pacer: Pacer | None
    ) -> Outcome:
        for html, plain in parts:
            if pacer is not None:
                wait = pacer.reserve(chat_id)
                if wait > 0:
                    await asyncio.sleep(wait)
            outcome = await self._send_part(chat_id, thread_id or None, html, plain)
            if outcome.status != "sent":
                if pacer is not None and outcome.rate_limited and outcome.retry_after:
                    pacer.pause(outcome.retry_after)
                return outcome
        return SENT

    async def _send_part(self, chat_id: int, thread_id: int | None, html: EncodedText, plain: EncodedText) -> Outcome:
        text = html
        for _ in range(3):  # at most: plain-text fallback, then general-topic fallback
            try:
                status, raw = await self._request.post_json(self._url, text.body(chat_id, thread_id))
            except TelegramError as exc:  # the network or a timeout
                return classify(exc)
            if 200 <= status < 300:
                return SENT
            answer = read_error(status, raw)
            reason = answer.description.lower()
            if status == 400 and _CANNOT_PARSE in reason and text is html:
                log.warning(
                    "Telegram rejected the HTML for chat %s (%s); sending plain text", chat_id, answer.description
                )
                text = plain
                continue
            if status == 400 and thread_id is not None and any(m in reason for m in _THREAD_GONE):
                log.info("topic %s of chat %s is gone; using the general topic", thread_id, chat_id)
                thread_id = None
                continue
            return outcome_of(answer)
        return Outcome("failed", "gave up after fallbacks")


def _with_markup(text: EncodedText, markup: InlineKeyboardMarkup) -> EncodedText:
    """The same body with an inline keyboard: the pre-encoded tail is a JSON object missing its "{"."""
    return EncodedText(text.tail[:-1] + b',"reply_markup":' + markup.to_json().encode() + b"}")


def outcome_of(answer: ErrorAnswer) -> Outcome:
    """What the outbox does after an error answer (status 0: no answer, a network error)."""
    parameters = answer.parameters
    new_chat_id = parameters.get("migrate_to_chat_id")
    if new_chat_id:
        return Outcome("moved", answer.description, new_chat_id=int(new_chat_id))
    retry_after = parameters.get("retry_after")
    if retry_after:
        return Outcome("retry", answer.description, retry_after=float(retry_after), rate_limited=True)
    if answer.status == 403:
        return Outcome("gone", answer.description)
    if answer.status == 400:
        reason = answer.description.lower()
        return Outcome("gone" if any(m in reason for m in _GONE) else "failed", answer.description)
    if answer.status in (401, 404):  # what Telegram answers for a bad token
        return Outcome("retry", "the bot token was rejected")
    return Outcome("retry", answer.description)  # 5xx, timeouts, the network


def classify(exc: TelegramError) -> Outcome:
    """python-telegram-bot's errors, by the same rules as an answer read off the wire."""
    if isinstance(exc, RetryAfter):
        return outcome_of(ErrorAnswer(429, str(exc), {"retry_after": retry_after_seconds(exc)}))
    if isinstance(exc, ChatMigrated):
        return outcome_of(ErrorAnswer(400, str(exc), {"migrate_to_chat_id": exc.new_chat_id}))
    status = 0
    for kind, code in ((Forbidden, 403), (BadRequest, 400), (InvalidToken, 401)):
        if isinstance(exc, kind):
            status = code
    return outcome_of(ErrorAnswer(status, exc.message if status else str(exc) or type(exc).__name__, {}))
