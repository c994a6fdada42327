"""A fake Telegram Bot API server for tests, speaking the real wire protocol over HTTP.

Point the real python-telegram-bot at it::

    async with FakeTelegram() as tg:
        bot = Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
        tg.add_user(42, "Ada"); tg.user_message(42, 42, "/start")
        await tg.wait_sent(1, chat_id=42)

The server runs in the test's event loop (aiohttp on 127.0.0.1, free port).  Tests
shape the world (users, chats, members, topics, blocks, migrations), inject updates
for getUpdates, inject faults, and observe what the bot sent.  Method handlers are in
:mod:`tests.fakes.telegram_methods`, HTML parsing in :mod:`tests.fakes.telegram_html`.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .telegram_limits import RateLimiter, RateLimits
from .telegram_methods import BotApiMethods
from .telegram_wire import ApiError, error_response, ok_response, read_params
from .telegram_world import CHAT_TYPES, MEMBER_STATUSES, Chat, Topic, World, chat_member

__all__ = ["ApiError", "FakeTelegram", "RateLimits"]

_TELEGRAM_USER = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
_GROUP_ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
_CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
_BOT_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class _Fault:
    method: str
    error: ApiError
    count: int
    chat_id: int | str | None


class FakeTelegram(BotApiMethods):
    """An in-process Telegram Bot API server with test controls; see the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "briefing_bot",
        bot_id: int = 1000,
        *,
        enforce_limits: bool = False,
        limits: RateLimits | None = None,
        record_calls: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.enforce_limits = enforce_limits
        self.record_calls = record_calls
        self.limiter = RateLimiter(limits or RateLimits(), clock)
        self.world = World(
            {
                "id": bot_id,
                "is_bot": True,
                "first_name": "Briefing",
                "username": bot_username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )
        self.sent: list[dict] = []
        self.calls: list[tuple[str, dict]] = []
        self.rejected: list[dict] = []
        self.commands: dict[str, list[dict]] = {}
        self.allowed_updates: list[str] | None = None
        self.callback_answers: list[dict] = []
        self.too_many_requests = 0
        self.webhook_url = ""
        self.root = ""
        self._token_valid = True
        self._updates: deque[dict] = deque()
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(4_000_000_001)
        self._poll: asyncio.Future[bool] | None = None
        self._callback_ids: set[str] = set()
        self._faults: list[_Fault] = []
        self._waiters: list[tuple[Callable[[FakeTelegram], Any], asyncio.Future[Any]]] = []
        self._runner: web.AppRunner | None = None

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> str:
        """Serve on 127.0.0.1 at a free port; returns the root URL ``http://127.0.0.1:PORT``."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.root = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.root

    async def close(self) -> None:
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(True)  # let a pending long poll answer instead of hanging
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def bot_user(self) -> dict:
        return self.world.bot_user

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(token, base_url=...)``."""
        return f"{self.root}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.root}/file/bot"

    # --- request dispatch ------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params: dict = {}
        try:
            params = await read_params(request)
            if self.record_calls:
                self.calls.append((method, params))
            result = self._call(request.match_info["token"], method, params)
            if asyncio.iscoroutine(result):
                result = await result
            response = ok_response(result)
        except ApiError as error:
            response = self._reject(method, params, error)
        except Exception as exc:  # a bug in the fake: answer like a broken server, loudly
            response = self._reject(method, params, ApiError(500, f"Internal Server Error: {exc!r}"))
        self._notify()
        return response

    def _call(self, token: str, method: str, params: dict) -> Any:
        if token != self.token or not self._token_valid:
            raise ApiError(401, "Unauthorized")
        if self._faults:
            self._raise_fault(method, params)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        return handler(params)

    def _reject(self, method: str, params: dict, error: ApiError) -> web.Response:
        self.rejected.append(
            {
                "method": method,
                "params": params,
                "error_code": error.code,
                "description": error.description,
                "parameters": error.parameters,
            }
        )
        if error.code == 429:
            self.too_many_requests += 1
        return error_response(error)

    # --- observing -------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[FakeTelegram], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate(self)`` is truthy (re-checked after every request and
        every change made through this API) and return its value."""
        value = predicate(self)
        if value:
            return value
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"condition not met within {timeout}s; last sent: "
                f"{[s['text'] for s in self.sent[-5:]]!r}; last rejected: "
                f"{self.rejected[-3:]!r}"
            ) from None
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    async def wait_sent(self, count: int = 1, *, chat_id: int | None = None, timeout: float = 5.0) -> list[dict]:
        """Wait until ``count`` messages were sent or edited (to ``chat_id``, if given);
        returns the first ``count`` of them, oldest first."""

        def enough(fake: FakeTelegram) -> list[dict] | None:
            matching = [s for s in fake.sent if chat_id is None or s["chat_id"] == chat_id]
            return matching[:count] if len(matching) >= count else None

        return await self.wait_for(enough, timeout)

    @property
    def polling(self) -> bool:
        """True while a getUpdates long poll is being held open."""
        return self._poll is not None and not self._poll.done()

    async def wait_polling(self, timeout: float = 5.0) -> None:
        """Wait until the bot holds a getUpdates long poll open."""
        await self.wait_for(lambda fake: fake.polling, timeout)

    def sent_to(self, chat_id: int) -> list[dict]:
        return [s for s in self.sent if s["chat_id"] == chat_id]

    def _notify(self) -> None:
        for predicate, future in list(self._waiters):
            if future.done():
                continue
            try:
                value = predicate(self)
            except Exception as exc:  # surface predicate bugs in the waiting test
                future.set_exception(exc)
                continue
            if value:
                future.set_result(value)

    # --- faults ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` (to ``chat_id``) with an error."""
        parameters: dict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after or 1}"
                if status == 429
                else _DEFAULT_DESCRIPTIONS.get(status, "Error")
            )
        error = ApiError(status, description, parameters or None)
        self._faults.append(_Fault(method.lower(), error, count, chat_id))

    def set_token_valid(self, ok: bool) -> None:
        """``False``: every call answers 401 Unauthorized, like a revoked token."""
        self._token_valid = ok

    def _raise_fault(self, method: str, params: dict) -> None:
        for fault in self._faults:
            if fault.method != method:
                continue
            if fault.chat_id is not None and str(fault.chat_id) != str(params.get("chat_id")):
                continue
            fault.count -= 1
            if fault.count <= 0:
                self._faults.remove(fault)
            raise fault.error

    # --- the world -------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str = "User",
        username: str | None = None,
        is_bot: bool = False,
        *,
        language_code: str | None = None,
    ) -> dict:
        user: dict = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.world.users[user_id] = user
        return user

    def add_chat(
        self, chat_id: int, type: str, title: str | None = None, username: str | None = None, is_forum: bool = False
    ) -> dict:
        """Create a chat; a private chat's id is its user's id (the user is created too)."""
        if type not in CHAT_TYPES:
            raise ValueError(f"chat type must be one of {sorted(CHAT_TYPES)}")
        if type == "private":
            user = self.world.user(chat_id)
            chat = Chat(chat_id, type, first_name=user["first_name"], username=username or user.get("username"))
        else:
            chat = Chat(chat_id, type, title=title, username=username, is_forum=is_forum)
        self.world.chats[chat_id] = chat
        return chat.as_dict()

    def set_member(self, chat_id: int, user_id: int, status: str, rights: dict | None = None) -> None:
        """Set a membership status (``user_id`` may be the bot's); ``rights`` override can_* flags."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {sorted(MEMBER_STATUSES)}")
        chat = self.world.chat(chat_id)
        self.world.user(user_id)
        chat.members[user_id] = status
        if rights is not None:
            chat.rights[user_id] = rights
        self._notify()

    def add_topic(self, chat_id: int, thread_id: int, name: str = "Topic") -> None:
        self.world.chat(chat_id).topics[thread_id] = Topic(name)

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        """Closed topics answer "message thread not found" (a simplification, see report)."""
        self.world.chat(chat_id).topics[thread_id].open = False

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        self.world.chat(chat_id).topics.pop(thread_id, None)

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """The user blocked the bot / the bot was kicked from the group (sendMessage: 403)."""
        self.world.chat(chat_id).blocked = blocked

    def migrate(self, chat_id: int, new_chat_id: int) -> dict:
        """Upgrade a group to a supergroup; the old id answers 400 with migrate_to_chat_id."""
        old = self.world.chat(chat_id)
        new = Chat(new_chat_id, "supergroup", title=old.title, members=dict(old.members), rights=dict(old.rights))
        self.world.chats[new_chat_id] = new
        old.migrated_to = new_chat_id
        return new.as_dict()

    # --- injecting updates -----------------------------------------------------------

    def user_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        message_thread_id: int | None = None,
        sender_chat_id: int | None = None,
        is_automatic_forward: bool = False,
        reply_to_message_id: int | None = None,
    ) -> dict:
        """A ``message`` update from a user (or on behalf of ``sender_chat_id``)."""
        chat = self.world.chat(chat_id)
        message = self._new_message(chat, text)
        message["from"] = self._sender(chat, user_id, sender_chat_id, is_automatic_forward)
        if sender_chat_id is not None:
            message["sender_chat"] = self.world.chat(sender_chat_id).as_dict()
        if is_automatic_forward:
            message["is_automatic_forward"] = True
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            message["is_topic_message"] = chat.is_forum
        if reply_to_message_id is not None and reply_to_message_id in chat.messages:
            message["reply_to_message"] = chat.messages[reply_to_message_id]
        return self._push("message", message)

    def channel_post(self, chat_id: int, text: str) -> dict:
        """A ``channel_post`` update: sender_chat is the channel, there is no ``from``."""
        chat = self.world.chat(chat_id)
        message = self._new_message(chat, text)
        message["sender_chat"] = message["chat"]
        return self._push("channel_post", message)

    def edit_message(self, chat_id: int, user_id: int, message_id: int, text: str) -> dict:
        """An ``edited_message`` update for a message the user sent earlier."""
        chat = self.world.chat(chat_id)
        original = chat.messages.get(message_id) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.as_dict(),
        }
        message = {k: v for k, v in original.items() if k != "entities"}
        message.update(_text_fields(text), edit_date=int(time.time()))
        message["from"] = self.world.user(user_id)
        chat.messages[message_id] = message
        return self._push("edited_message", message)

    def callback_query(self, chat_id: int, user_id: int, message_id: int, data: str) -> dict:
        """A ``callback_query`` update: the user pressed an inline button under a message."""
        chat = self.world.chat(chat_id)
        message = chat.messages.get(message_id) or {
            "message_id": message_id,
            "date": 0,
            "chat": chat.as_dict(),
        }  # inaccessible
        query_id = str(next(self._query_ids))
        self._callback_ids.add(query_id)
        return self._push(
            "callback_query",
            {
                "id": query_id,
                "from": self.world.user(user_id),
                "message": message,
                "chat_instance": str(chat_id),
                "data": data,
            },
        )

    def my_chat_member(self, chat_id: int, old_status: str, new_status: str, by_user_id: int) -> dict:
        """A ``my_chat_member`` update; the world follows (a private "kicked" = blocked)."""
        chat = self.world.chat(chat_id)
        bot = self.world.bot_user
        update = {
            "chat": chat.as_dict(),
            "from": self.world.user(by_user_id),
            "date": int(time.time()),
            "old_chat_member": chat_member(bot, old_status),
            "new_chat_member": chat_member(bot, new_status),
        }
        if chat.type == "private":
            chat.blocked = new_status == "kicked"
        else:
            chat.members[bot["id"]] = new_status
        return self._push("my_chat_member", update)

    def migration_message(self, old_chat_id: int, new_chat_id: int) -> dict:
        """The service message ``migrate_to_chat_id`` in the old group (migrates the world too)."""
        old = self.world.chat(old_chat_id)
        if old.migrated_to is None:
            self.migrate(old_chat_id, new_chat_id)
        message = {
            "message_id": old.new_message_id(),
            "date": int(time.time()),
            "chat": old.as_dict(),
            "from": _GROUP_ANONYMOUS_BOT,
            "migrate_to_chat_id": new_chat_id,
        }
        return self._push("message", message)

    def _new_message(self, chat: Chat, text: str) -> dict:
        message = {
            "message_id": chat.new_message_id(),
            "date": int(time.time()),
            "chat": chat.as_dict(),
            **_text_fields(text),
        }
        chat.messages[message["message_id"]] = message
        return message

    def _sender(self, chat: Chat, user_id: int, sender_chat_id: int | None, automatic: bool) -> dict:
        if automatic:
            return _TELEGRAM_USER
        if sender_chat_id is None:
            return self.world.user(user_id)
        return _GROUP_ANONYMOUS_BOT if sender_chat_id == chat.id else _CHANNEL_BOT

    def _push(self, kind: str, payload: dict) -> dict:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(True)
        self._notify()
        return update


def _text_fields(text: str) -> dict:
    """``text`` plus the bot_command entity Telegram adds when the text starts with one."""
    fields: dict = {"text": text}
    if match := _BOT_COMMAND.match(text):
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(match.group())}]
    return fields
