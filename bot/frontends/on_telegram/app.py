"""The Telegram front-end: python-telegram-bot's Application wired to the command layer.

Commands come from new messages and channel posts only (never edits). Updates run
concurrently, but each chat's in order. Replies go to the topic they came from.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any, Awaitable

from telegram import BotCommand, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Conflict, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands import Caller, CommandRouter
from bot.commands.richtext import Reply, message
from bot.core import Core
from bot.frontends.on_telegram.permissions import AdminCache, can_manage
from bot.frontends.on_telegram.sender import TelegramSender
from bot.frontends.on_telegram.transport import AiohttpRequest

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CHANNEL_POST, Update.MY_CHAT_MEMBER, Update.CALLBACK_QUERY]
MANAGE_COMMANDS = {"subscribe", "unsubscribe"}
WELCOME = "Thanks for adding me! An administrator can send /subscribe here for news alerts; /help lists every command."
APOLOGY = message("Sorry, something went wrong with that command. It has been logged.", ok=False)
LEFT = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}
REPLY_TRIES = 4
REPLY_WAIT_MAX = 30.0  # a reply later than this is worse than none: it is logged instead


class PerChatProcessor(BaseUpdateProcessor):
    """Many chats at once, each chat's updates one after another (so replies keep their order)."""

    def __init__(self, max_concurrent_updates: int = 256):
        super().__init__(max_concurrent_updates)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks[chat.id]
        try:
            async with lock:
                await coroutine
        finally:
            if not lock.locked() and not lock._waiters:  # forget idle chats
                self._locks.pop(chat.id, None)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class TelegramFrontend:
    def __init__(self, core: Core, router: CommandRouter):
        self.core = core
        self.router = router
        settings = core.settings
        self.application: Application = self._build(settings)
        self.sender = TelegramSender(self.application.bot, paid_broadcast=settings.telegram_paid_broadcast)
        self.admins = AdminCache(self.application.bot)
        self._last_conflict_log = 0.0

    @staticmethod
    def _build(settings) -> Application:
        root = settings.telegram_api_url
        app = (
            ApplicationBuilder()
            .token(settings.telegram_token)
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .request(AiohttpRequest(pool_size=max(8, settings.telegram_concurrency + 8)))
            .get_updates_request(AiohttpRequest(pool_size=2))
            .concurrent_updates(PerChatProcessor())
            .job_queue(None)  # the service's own scheduler owns every job
            .build()
        )
        return app

    def _install_handlers(self) -> None:
        app = self.application
        new_posts = (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST) & filters.COMMAND
        app.add_handler(MessageHandler(new_posts, self._on_command))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(ChatMemberHandler(self._on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)

    async def start(self) -> None:
        """Connect (getMe), publish the command list, start polling or the webhook.

        Raises telegram.error.InvalidToken or NetworkError when the bot cannot start.
        """
        self._install_handlers()
        await self.application.initialize()
        await self.application.bot.set_my_commands(
            [BotCommand(c.name, c.description) for c in self.router.public()]
        )
        await self.application.start()
        settings = self.core.settings
        updater = self.application.updater
        if settings.telegram_webhook_url:
            await updater.start_webhook(
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                url_path="telegram",
                webhook_url=settings.telegram_webhook_url,
                secret_token=settings.telegram_webhook_secret or None,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await updater.start_polling(allowed_updates=ALLOWED_UPDATES, error_callback=self._on_polling_error)
        log.info("Telegram front-end started as @%s", self.application.bot.username)

    async def stop(self) -> None:
        app = self.application
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()  # waits for the updates being processed: replies in flight finish
        await app.shutdown()

    # --- handlers -------------------------------------------------------------------------

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        if msg is None or not msg.text:
            return
        name = msg.text[1:].split(maxsplit=1)[0].split("@")[0].lower() if len(msg.text) > 1 else ""
        command = self.router.get(name)
        manage = command is not None and command.name in MANAGE_COMMANDS and await can_manage(msg, self.admins)
        reply = await self.router.dispatch_text(self._caller(msg, manage), msg.text, self.application.bot.username)
        if reply is not None:
            await self.reply(msg, reply)

    def _caller(self, msg: Message, manage: bool) -> Caller:
        user = msg.from_user
        chat = msg.chat
        kind = {ChatType.PRIVATE: "private", ChatType.CHANNEL: "channel"}.get(chat.type, "group")
        user_id = user.id if user is not None and msg.sender_chat is None else None
        return Caller(
            platform="telegram",
            chat_id=chat.id,
            user_id=user_id,
            thread_id=topic_of(msg),
            is_operator=user_id is not None and user_id in self.core.settings.telegram_admin_ids,
            can_manage=manage,
            chat_kind=kind,
        )

    async def reply(self, msg: Message, reply: Reply) -> None:
        chat_id = msg.chat.id
        for attempt in range(REPLY_TRIES):
            outcome = await self.sender.send(chat_id, topic_of(msg), reply)
            if outcome.status == "moved" and outcome.new_chat_id:
                await self.core.subscriptions.move_chat("telegram", chat_id, outcome.new_chat_id, self.core.clock())
                chat_id = outcome.new_chat_id
                continue
            # Telegram's retry_after when it gave one (a 429), else backoff for network errors and 5xx.
            delay = outcome.retry_after if outcome.retry_after is not None else 0.5 * 2 ** attempt
            if outcome.status == "retry" and delay <= REPLY_WAIT_MAX and attempt + 1 < REPLY_TRIES:
                await asyncio.sleep(delay)
                continue
            if outcome.status == "gone":
                await self.core.subscriptions.deactivate_chat("telegram", chat_id, outcome.error, self.core.clock())
            if outcome.status != "sent":
                log.warning("reply to chat %s not delivered: %s %s", chat_id, outcome.status, outcome.error)
            return

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        if msg is not None and msg.migrate_to_chat_id:
            moved = await self.core.subscriptions.move_chat("telegram", msg.chat.id, msg.migrate_to_chat_id, self.core.clock())
            log.info("chat %s became %s; %d subscription(s) followed", msg.chat.id, msg.migrate_to_chat_id, moved)

    async def _on_my_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        old, new = change.old_chat_member.status, change.new_chat_member.status
        if new in LEFT:
            n = await self.core.subscriptions.deactivate_chat("telegram", chat.id, f"bot {new}", self.core.clock())
            log.info("removed from chat %s (%s); %d subscription(s) made inactive", chat.id, new, n)
        elif old in LEFT and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
            await self.sender.send(chat.id, 0, message(WELCOME))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling update %s", update, exc_info=context.error)
        if isinstance(update, Update) and update.effective_message is not None:
            try:
                await self.reply(update.effective_message, APOLOGY)
            except TelegramError:
                pass

    def _on_polling_error(self, exc: TelegramError) -> None:
        now = time.monotonic()
        if isinstance(exc, Conflict):
            if now - self._last_conflict_log > 60:
                log.error("another instance is polling with this bot token (409 Conflict); "
                          "stop it, or this one receives no updates")
                self._last_conflict_log = now
            return
        log.warning("polling error: %s", exc)


def topic_of(msg: Message) -> int:
    """The forum topic a message belongs to (0: none), where replies and alerts must go."""
    return msg.message_thread_id or 0 if msg.is_topic_message else 0
