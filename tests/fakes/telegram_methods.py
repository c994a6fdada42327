"""Bot API method handlers of the fake Telegram server.

A mixin for :class:`tests.fakes.telegram_api.FakeTelegram`: each ``api_<method>``
takes the decoded parameters and returns the ``result`` or raises :class:`ApiError`,
with the validation and error wording of the real Bot API.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from typing import Any

from .telegram_html import HtmlParseError, parse_html, utf16_len
from .telegram_limits import RateLimiter
from .telegram_wire import ApiError
from .telegram_world import Chat, World

__all__ = ["DEFAULT_UPDATES", "MAX_TEXT_UTF16", "BotApiMethods"]

MAX_TEXT_UTF16 = 4096
# What Telegram delivers when allowed_updates is unset or empty.
DEFAULT_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and "
    "reply markup are exactly the same as a current content and reply markup "
    "of the message"
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def _bad(description: str, parameters: dict | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {description}", parameters)


def _forbidden(description: str) -> ApiError:
    return ApiError(403, f"Forbidden: {description}")


def scope_key(scope: dict | None, language_code: str | None = None) -> str:
    """Key of :attr:`FakeTelegram.commands`: ``"default"``, ``"chat:42"``, ``"chat_member:42:7/en"``..."""
    scope = scope or {"type": "default"}
    parts = [str(scope.get("type", "default"))]
    parts += [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
    key = ":".join(parts)
    return f"{key}/{language_code}" if language_code else key


class BotApiMethods:
    """Bot API methods; state lives in :class:`FakeTelegram`."""

    world: World
    limiter: RateLimiter
    enforce_limits: bool
    sent: list[dict]
    commands: dict[str, list[dict]]
    allowed_updates: list[str] | None
    callback_answers: list[dict]
    webhook_url: str
    _updates: deque[dict]
    _poll: asyncio.Future[bool] | None
    _callback_ids: set[str]

    def _notify(self) -> None:
        raise NotImplementedError

    # --- bot and webhook -------------------------------------------------------------

    def api_getme(self, params: dict) -> dict:
        return self.world.bot_user

    def api_logout(self, params: dict) -> bool:
        return True

    def api_close(self, params: dict) -> bool:
        return True

    def api_setwebhook(self, params: dict) -> bool:
        self.webhook_url = str(params.get("url") or "")
        self._remember_allowed(params)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def api_deletewebhook(self, params: dict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def api_getwebhookinfo(self, params: dict) -> dict:
        info: dict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.allowed_updates is not None:
            info["allowed_updates"] = self.allowed_updates
        return info

    # --- commands --------------------------------------------------------------------

    def api_setmycommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("commands must be an array of at most 100 BotCommand objects")
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad("command description must be non-empty")
        key = scope_key(params.get("scope"), params.get("language_code"))
        self.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def api_getmycommands(self, params: dict) -> list[dict]:
        return self.commands.get(scope_key(params.get("scope"), params.get("language_code")), [])

    def api_deletemycommands(self, params: dict) -> bool:
        self.commands.pop(scope_key(params.get("scope"), params.get("language_code")), None)
        return True

    # --- updates ---------------------------------------------------------------------

    async def api_getupdates(self, params: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
        self._remember_allowed(params)
        self._confirm(params.get("offset"))
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(False)  # the newer request wins, as in Telegram
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = asyncio.get_running_loop().time() + max(float(params.get("timeout") or 0), 0)
        while not (ready := self._deliverable(limit)):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or not await self._wait_for_update(remaining):
                break
        return ready

    async def _wait_for_update(self, timeout: float) -> bool:
        """True when woken by a new update; False on timeout; 409 when superseded."""
        poll = self._poll = asyncio.get_running_loop().create_future()
        self._notify()  # wakes tests waiting for the bot to be polling
        try:
            woken = await asyncio.wait_for(poll, timeout)
        except TimeoutError:
            return False
        finally:
            if self._poll is poll:
                self._poll = None
        if not woken:
            raise ApiError(409, _CONFLICT)
        return True

    def _remember_allowed(self, params: dict) -> None:
        allowed = params.get("allowed_updates")
        if allowed is not None:
            self.allowed_updates = list(allowed)

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _deliverable(self, limit: int) -> list[dict]:
        allowed = set(self.allowed_updates or ()) or DEFAULT_UPDATES
        if any(_kind(u) not in allowed for u in self._updates):
            # Telegram never creates updates of types the bot did not ask for
            self._updates = deque(u for u in self._updates if _kind(u) in allowed)
        return [self._updates[i] for i in range(min(limit, len(self._updates)))]

    # --- chats -----------------------------------------------------------------------

    def _chat(self, params: dict) -> Chat:
        """The target chat, or the error Telegram gives for a missing or migrated one."""
        ref = params.get("chat_id")
        if ref is None or ref == "":
            raise _bad("chat_id is empty")
        chat = self.world.find(ref)
        if chat is None:
            if isinstance(ref, int) and ref in self.world.users:
                raise _forbidden("bot can't initiate conversation with a user")
            raise _bad("chat not found")
        if chat.migrated_to is not None:
            raise _bad("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to})
        return chat

    def _check_can_post(self, chat: Chat) -> None:
        if chat.type == "private":
            if chat.blocked:
                raise _forbidden("bot was blocked by the user")
            return
        status = self.world.status(chat, self.world.bot_user["id"])
        if chat.blocked or status == "kicked":
            raise _forbidden(f"bot was kicked from the {chat.type} chat")
        if status == "left":
            raise _forbidden(f"bot is not a member of the {chat.type} chat")
        if chat.type == "channel" and status not in ("creator", "administrator"):
            raise _bad("need administrator rights in the channel chat")

    def api_getchat(self, params: dict) -> dict:
        return self._chat(params).full_info()

    def api_getchatmember(self, params: dict) -> dict:
        chat = self._chat(params)
        try:
            user_id = int(params.get("user_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise _bad("invalid user_id specified") from exc
        return self.world.member(chat, user_id)

    def api_getchatadministrators(self, params: dict) -> list[dict]:
        chat = self._chat(params)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        admins = [uid for uid, status in chat.members.items() if status in ("creator", "administrator")]
        if chat.type == "channel" and self.world.bot_user["id"] not in chat.members:
            admins.append(self.world.bot_user["id"])
        return [self.world.member(chat, uid) for uid in admins]

    # --- messages --------------------------------------------------------------------

    def api_sendmessage(self, params: dict) -> dict:
        chat = self._chat(params)
        self._check_can_post(chat)
        thread_id = self._thread(chat, params.get("message_thread_id"))
        text, entities = self._text(params)
        reply_to = self._reply_to(chat, params)
        markup = _checked_markup(params.get("reply_markup"))
        paid = bool(params.get("allow_paid_broadcast"))
        if self.enforce_limits:
            retry_after = self.limiter.acquire(chat.id, chat.type, paid=paid)
            if retry_after is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        message = self._bot_message(chat, text, entities, thread_id, reply_to, markup)
        self._record_sent("sendMessage", chat, message, params, markup)
        return message

    def api_editmessagetext(self, params: dict) -> dict | bool:
        if params.get("inline_message_id"):
            self._text(params)
            return True
        chat = self._chat(params)
        self._check_can_post(chat)
        original = chat.messages.get(params.get("message_id"))  # type: ignore[arg-type]
        if original is None:
            raise _bad("message to edit not found")
        if original.get("from", {}).get("id") != self.world.bot_user["id"] and "sender_chat" not in original:
            raise _bad("message can't be edited")
        text, entities = self._text(params)
        markup = _checked_markup(params.get("reply_markup"))
        if (text, entities, _inline(markup)) == (
            original.get("text"),
            original.get("entities", []),
            original.get("reply_markup"),
        ):
            raise _bad(_NOT_MODIFIED)
        message = {**original, "edit_date": int(time.time())}  # earlier snapshots stay intact
        _set_content(message, text, entities, markup)
        chat.messages[message["message_id"]] = message
        self._record_sent("editMessageText", chat, message, params, markup)
        return message

    def api_answercallbackquery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._callback_ids:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self._callback_ids.discard(query_id)
        self.callback_answers.append(params)
        return True

    def _thread(self, chat: Chat, thread_id: Any) -> int | None:
        if thread_id is None:
            return None
        topic = chat.topics.get(thread_id)
        if topic is None or not topic.open:
            raise _bad("message thread not found")
        return int(thread_id)

    def _text(self, params: dict) -> tuple[str, list[dict]]:
        """Parsed text and entities, validated as Telegram does."""
        raw = params.get("text")
        raw = "" if raw is None else str(raw)
        text, entities = raw, params.get("entities") or []
        parse_mode = str(params.get("parse_mode") or "").lower()
        if parse_mode == "html":
            try:
                text, entities = parse_html(raw)
            except HtmlParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from exc
        elif parse_mode not in ("", "markdown", "markdownv2"):
            raise _bad("unsupported parse_mode")
        if not text.strip():
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_UTF16 // 2 and utf16_len(text) > MAX_TEXT_UTF16:
            raise _bad("message is too long")
        return text, entities

    def _reply_to(self, chat: Chat, params: dict) -> dict | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        original = chat.messages.get(int(message_id))
        if original is None and not (
            reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply")
        ):
            raise _bad("message to be replied not found")
        return original

    def _bot_message(
        self,
        chat: Chat,
        text: str,
        entities: list[dict],
        thread_id: int | None,
        reply_to: dict | None,
        markup: dict | None,
    ) -> dict:
        message: dict = {"message_id": chat.new_message_id(), "date": int(time.time()), "chat": chat.as_dict()}
        if chat.type == "channel":
            message["sender_chat"] = message["chat"]
        else:
            message["from"] = self.world.bot_user
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        _set_content(message, text, entities, markup)
        chat.messages[message["message_id"]] = message
        return message

    def _record_sent(self, method: str, chat: Chat, message: dict, params: dict, markup: dict | None) -> None:
        self.sent.append(
            {
                "method": method,
                "chat_id": chat.id,
                "message_id": message["message_id"],
                "text": message["text"],
                "raw_text": params.get("text"),
                "parse_mode": params.get("parse_mode"),
                "entities": message.get("entities", []),
                "message_thread_id": params.get("message_thread_id"),
                "reply_markup": markup,
                "allow_paid_broadcast": bool(params.get("allow_paid_broadcast")),
                "disable_notification": bool(params.get("disable_notification")),
                "message": message,
            }
        )


def _kind(update: dict) -> str:
    return next(k for k in update if k != "update_id")


def _inline(markup: dict | None) -> dict | None:
    """Only inline keyboards are echoed back in the Message object."""
    return markup if markup and "inline_keyboard" in markup else None


def _set_content(message: dict, text: str, entities: list[dict], markup: dict | None) -> None:
    message["text"] = text
    if entities:
        message["entities"] = entities
    else:
        message.pop("entities", None)
    if (inline := _inline(markup)) is not None:
        message["reply_markup"] = inline
    else:
        message.pop("reply_markup", None)


def _checked_markup(markup: Any) -> dict | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if len(button) < 2:  # a button needs an action besides its text
                raise _bad("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
    return markup
