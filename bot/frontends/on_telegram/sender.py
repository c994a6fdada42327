"""Sending a Reply to a Telegram chat and classifying what Telegram answered.

Shared by command replies and alert delivery: HTML first, plain text when Telegram cannot
parse the entities, the chat's general topic when the forum topic is gone.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.outcome import SENT, Outcome
from bot.reply import Reply
from bot.frontends.on_telegram.render import render_messages

log = logging.getLogger(__name__)

# Bot API method names are case-insensitive. This spelling is not an attribute of Bot, so
# do_api_request sends it without a "use Bot.send_message" warning, and the reply stays a
# plain dict: building a Message object for every alert cost a fifth of a fan-out's CPU.
SEND_MESSAGE = "SendMessage"
_GONE = ("chat not found", "bot was kicked", "not enough rights", "have no rights", "user is deactivated",
         "chat_write_forbidden", "need administrator rights", "bot is not a member")
_THREAD_GONE = ("message thread not found", "topic_closed", "topic_deleted", "topic closed")


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class TelegramSender:
    platform = "telegram"

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False):
        self.bot = bot
        self.paid_broadcast = paid_broadcast
        self._cache: dict[int, tuple[Reply, list[tuple[str, str]]]] = {}

    def _rendered(self, reply: Reply) -> list[tuple[str, str]]:
        # A fan-out hands the same Reply object to every chat: render it once. The cache
        # holds the Reply itself, so its id cannot be reused while the entry lives.
        hit = self._cache.get(id(reply))
        if hit is not None and hit[0] is reply:
            return hit[1]
        if len(self._cache) > 64:
            self._cache.clear()
        parts = render_messages(reply)
        self._cache[id(reply)] = (reply, parts)
        return parts

    async def deliver(self, chat_id: int, thread_id: int, reply: Reply) -> Outcome:
        """Send an alert; every part of a long reply goes out, or the whole is retried."""
        return await self.send(chat_id, thread_id, reply, paid=self.paid_broadcast)

    async def send(self, chat_id: int, thread_id: int, reply: Reply, *, paid: bool = False) -> Outcome:
        for html, plain in self._rendered(reply):
            outcome = await self._send_part(chat_id, thread_id or None, html, plain, paid)
            if outcome.status != "sent":
                return outcome
        return SENT

    async def _send_part(self, chat_id: int, thread_id: int | None, html: str, plain: str, paid: bool) -> Outcome:
        parse_mode: str | None = ParseMode.HTML
        text = html
        for _ in range(3):  # at most: plain-text fallback, then general-topic fallback
            try:
                await self.bot.do_api_request(SEND_MESSAGE, api_kwargs=_message_kwargs(chat_id, text, parse_mode, thread_id, paid))
                return SENT
            except BadRequest as exc:
                reason = exc.message.lower()
                if "can't parse entities" in reason and parse_mode is not None:
                    log.warning("Telegram rejected the HTML for chat %s (%s); sending plain text", chat_id, exc.message)
                    parse_mode, text = None, plain
                    continue
                if thread_id is not None and any(m in reason for m in _THREAD_GONE):
                    log.info("topic %s of chat %s is gone; using the general topic", thread_id, chat_id)
                    thread_id = None
                    continue
                return classify(exc)
            except TelegramError as exc:
                return classify(exc)
        return Outcome("failed", "gave up after fallbacks")


def classify(exc: TelegramError) -> Outcome:
    """Map python-telegram-bot's errors to what the outbox does next."""
    if isinstance(exc, RetryAfter):
        return Outcome("retry", str(exc), retry_after=retry_after_seconds(exc), rate_limited=True)
    if isinstance(exc, ChatMigrated):
        return Outcome("moved", str(exc), new_chat_id=exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return Outcome("gone", exc.message)
    if isinstance(exc, BadRequest):
        reason = exc.message.lower()
        return Outcome("gone" if any(m in reason for m in _GONE) else "failed", exc.message)
    if isinstance(exc, InvalidToken):
        return Outcome("retry", "the bot token was rejected")
    if isinstance(exc, NetworkError):  # also 5xx and timeouts
        return Outcome("retry", str(exc) or type(exc).__name__)
    return Outcome("retry", str(exc) or type(exc).__name__)


def _message_kwargs(chat_id: int, text: str, parse_mode: str | None, thread_id: int | None, paid: bool) -> dict:
    kwargs: dict = {"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True}}
    if parse_mode:
        kwargs["parse_mode"] = parse_mode
    if thread_id:
        kwargs["message_thread_id"] = thread_id
    if paid:
        kwargs["allow_paid_broadcast"] = True
    return kwargs
