"""The Telegram front-end: python-telegram-bot's Application wired to the command layer.

Commands come from new messages and channel posts only (never edits). Updates run
concurrently, but each chat's in order. Replies go to the topic they came from.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import BotCommand, CallbackQuery, LinkPreviewOptions, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Conflict, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands.context import Caller
from bot.commands.router import CommandRouter, apology, parse_command
from bot.core import Core
from bot.frontends.on_telegram.buttons import button_codec, keyboard
from bot.frontends.on_telegram.permissions import AdminCache, can_manage
from bot.frontends.on_telegram.render import render_messages
from bot.frontends.on_telegram.sender import TelegramSender
from bot.frontends.on_telegram.transport import AiohttpRequest
from bot.i18n import DEFAULT, LANGUAGES, _, translate, use_language
from bot.reply import Reply, message, reply_text
from bot.settings import Settings

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CHANNEL_POST, Update.MY_CHAT_MEMBER, Update.CALLBACK_QUERY]
NOTICE_MAX = 200  # characters Telegram shows in a callback answer
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
LEFT = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}
REPLY_TRIES = 4
REPLY_WAIT_MAX = 30.0  # a reply later than this is worse than none: it is logged instead


class PerChatProcessor(BaseUpdateProcessor):
    """Many chats at once, each chat's updates one after another (so replies keep their order)."""

    def __init__(self, max_concurrent_updates: int = 256):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: Counter[int] = Counter()  # updates holding or waiting for each chat's lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._users[chat.id] += 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[chat.id] -= 1
            if not self._users[chat.id]:  # forget idle chats
                del self._users[chat.id]
                self._locks.pop(chat.id, None)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


Sleep = Callable[[float], Awaitable[None]]


class TelegramFrontend:
    platform = "telegram"

    def __init__(self, core: Core, router: CommandRouter, *, sleep: Sleep = asyncio.sleep):
        self.core = core
        self.router = router
        self._sleep = sleep  # waits before retrying a reply (tests pass one that records)
        settings = core.settings
        self.application: Application = self._build(settings)
        self.sender = TelegramSender(self.application.bot, paid_broadcast=settings.telegram_paid_broadcast)
        self.admins = AdminCache(self.application.bot)
        self.buttons = button_codec()
        self.sender.alert_keyboard = lambda reply: keyboard(reply, self.buttons)
        self._last_conflict_log = 0.0
        self.standby = False  # started without polling: sends, while another process polls

    def _build(self, settings: Settings) -> Application:
        root = settings.telegram_api_url
        self._requests = [
            AiohttpRequest(pool_size=max(8, settings.telegram_concurrency + 8)),
            AiohttpRequest(pool_size=2),
        ]
        app = (
            ApplicationBuilder()
            .token(settings.telegram_token)
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .concurrent_updates(PerChatProcessor())
            .job_queue(None)  # the service's own scheduler owns every job
            .build()
        )
        return app

    def _install_handlers(self) -> None:
        app = self.application
        new_posts = (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST) & filters.COMMAND
        app.add_handler(MessageHandler(new_posts, self._on_command))
        private_text = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
        app.add_handler(MessageHandler(private_text, self._on_private_text))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(ChatMemberHandler(self._on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_error_handler(self._on_error)

    async def start(self, *, poll: bool = True) -> None:
        """Connect (getMe), publish the command list, start polling (unless `poll` is False:
        another process may be polling, see `start_polling`) or the webhook.

        Raises telegram.error.InvalidToken or NetworkError when the bot cannot start, after
        closing every session it opened.
        """
        try:
            await self._start(poll)
        except BaseException:
            for request in self._requests:
                await request.shutdown()
            raise

    async def _start(self, poll: bool) -> None:
        self._install_handlers()
        await self.application.initialize()
        await self._publish_commands()
        await self.application.start()
        settings = self.core.settings
        updater = self.application.updater
        if updater is None:  # ApplicationBuilder always makes one unless told not to
            raise RuntimeError("python-telegram-bot built no Updater")
        if settings.telegram_webhook_url:
            await updater.start_webhook(
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                url_path="telegram",
                webhook_url=settings.telegram_webhook_url,
                secret_token=settings.telegram_webhook_secret or None,
                allowed_updates=ALLOWED_UPDATES,
            )
        elif poll:
            await self.start_polling()
        else:
            self.standby = True
        log.info("Telegram front-end started as @%s", self.application.bot.username)

    async def _publish_commands(self) -> None:
        """The command menu in every language with a catalog; English is also the default for the rest."""
        for language in LANGUAGES:
            with use_language(language):
                commands = [BotCommand(c.name, translate(c.description)) for c in self.router.public()]
            await self.application.bot.set_my_commands(commands, language_code=language)
            if language == DEFAULT:
                await self.application.bot.set_my_commands(commands)

    @property
    def webhook(self) -> bool:
        return bool(self.core.settings.telegram_webhook_url)

    async def start_polling(self) -> None:
        """Take updates by long polling (in one process of several: the polling leader's)."""
        updater = self.application.updater
        if updater is not None and not updater.running and self.application.running:
            await updater.start_polling(allowed_updates=ALLOWED_UPDATES, error_callback=self._on_polling_error)
            self.standby = False
            log.info("Telegram: polling for updates")

    async def stop_polling(self) -> None:
        """Stop taking updates; alerts and replies still go out."""
        updater = self.application.updater
        if updater is not None and updater.running and not self.webhook:
            await updater.stop()
            self.standby = True
            log.info("Telegram: stopped polling (another process polls)")

    @property
    def connected(self) -> bool:
        """Taking updates (polling or webhook) right now, or ready to send while another process polls."""
        updater = self.application.updater
        return self.application.running and updater is not None and (updater.running or self.standby)

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
        parsed = parse_command(msg.text, self.application.bot.username)
        if parsed is None:
            return
        command = self.router.get(parsed[0])
        manage = command is not None and command.manages_chat and await can_manage(msg, self.admins)
        await self.reply(msg, await self.router.dispatch(self._caller(msg, manage), *parsed))

    async def _on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Plain text in a private chat searches the briefings (or runs a bare command name)."""
        msg = update.effective_message
        if msg is None or not msg.text:
            return
        reply = await self.router.dispatch_line(self._caller(msg, manage=True), msg.text)
        if reply is not None:
            await self.reply(msg, reply)

    def _caller(self, msg: Message, manage: bool) -> Caller:
        user = msg.from_user
        chat = msg.chat
        user_id = user.id if user is not None and msg.sender_chat is None else None
        return Caller(
            platform="telegram",
            chat_id=chat.id,
            user_id=user_id,
            thread_id=topic_of(msg),
            is_operator=user_id is not None and user_id in self.core.settings.telegram_admin_ids,
            can_manage=manage,
            locale=user.language_code if user is not None else None,
            private_chat=chat.type == ChatType.PRIVATE,
        )

    async def reply(self, msg: Message, reply: Reply) -> None:
        await self.reply_in(msg.chat.id, topic_of(msg), reply)

    async def reply_in(self, chat_id: int, thread_id: int, reply: Reply) -> None:
        markup = keyboard(reply, self.buttons)
        for attempt in range(REPLY_TRIES):
            outcome = await self.sender.send(chat_id, thread_id, reply, markup=markup)
            if outcome.status == "moved" and outcome.new_chat_id:
                await self.core.chat_moved("telegram", chat_id, outcome.new_chat_id)
                chat_id = outcome.new_chat_id
                continue
            # Telegram's retry_after when it gave one (a 429), else backoff for network errors and 5xx.
            delay = outcome.retry_after if outcome.retry_after is not None else 0.5 * 2**attempt
            if outcome.status == "retry" and delay <= REPLY_WAIT_MAX and attempt + 1 < REPLY_TRIES:
                await self._sleep(delay)
                continue
            if outcome.status == "gone":
                await self.core.chat_gone("telegram", chat_id, outcome.error)
            if outcome.status != "sent":
                log.warning("reply to chat %s not delivered: %s %s", chat_id, outcome.status, outcome.error)
            return

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        if msg is not None and msg.migrate_to_chat_id:
            await self.core.chat_moved("telegram", msg.chat.id, msg.migrate_to_chat_id)

    async def _on_my_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        old, new = change.old_chat_member.status, change.new_chat_member.status
        if new in LEFT:
            await self.core.chat_gone("telegram", chat.id, f"bot {new}")
        elif old in LEFT and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
            with use_language(await self.core.chat_language("telegram", chat.id) or DEFAULT):
                welcome = message(
                    _(
                        "Thanks for adding me! An administrator can send /subscribe here for news "
                        "alerts; /help lists every command."
                    )
                )
            await self.sender.send(chat.id, 0, welcome)

    # --- buttons --------------------------------------------------------------------------

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed inline button: always answered (a notice when it cannot do what it did)."""
        query = update.callback_query
        if query is None:
            return
        answered = False

        async def answer(notice: str | None = None) -> None:
            nonlocal answered
            if answered:
                return
            answered = True
            try:
                await query.answer(text=notice[:NOTICE_MAX] if notice else None)
            except TelegramError as exc:  # too late (Telegram gives up on a query after a while)
                log.info("callback query %s not answered: %s", query.id, exc)

        notice: str | None = None
        try:
            notice = await self._press(query, answer)
        finally:
            await answer(notice)  # whatever happened, the button stops spinning

    async def _press(self, query: CallbackQuery, answer: Callable[[], Awaitable[None]]) -> str | None:
        """Run the button's command for whoever pressed it; a notice for the presser, or None.

        The query is answered (`answer`) before any message is sent or edited, so a slow send
        (a retried 429) never leaves the button spinning past Telegram's limit."""
        msg = query.message
        if msg is None:  # a button of an inline-mode message: not one of ours
            return None
        chat, user = msg.chat, query.from_user
        action = self.buttons.decode(query.data)
        command = self.router.get(action.command) if action is not None else None
        private = chat.type == ChatType.PRIVATE
        manage = private or (
            command is not None and command.manages_chat and await self.admins.is_admin(chat.id, user.id)
        )
        thread_id = topic_of(msg) if isinstance(msg, Message) else 0
        caller = Caller(
            platform="telegram",
            chat_id=chat.id,
            user_id=user.id,
            thread_id=thread_id,
            is_operator=user.id in self.core.settings.telegram_admin_ids,
            can_manage=manage,
            locale=user.language_code,
            private_chat=private,
        )
        if action is None or command is None:
            with use_language(await self.router.language(caller)):
                return _("This button is out of date; send the command again.")
        if chat.type == ChatType.CHANNEL and not await self.admins.is_admin(chat.id, user.id):
            # Readers of a channel cannot post in it: nor can they through its buttons.
            with use_language(await self.router.language(caller)):
                return _("Only the channel's administrators can use its buttons.")
        reply = await self.router.dispatch(caller, command.name, shlex.join(action.args))
        if not reply.ok:  # a refusal, or what the button pointed at is gone: told to the presser alone
            return reply_text(reply, bullet="")
        await answer()
        if action.replace and isinstance(msg, Message) and await self._edit(msg, reply):
            return None
        await self.reply_in(chat.id, thread_id, reply)
        return None

    async def _edit(self, msg: Message, reply: Reply) -> bool:
        """Replace a message with a one-message reply (another page); False when it could not be."""
        parts = render_messages(reply)
        if len(parts) != 1:
            return False
        try:
            await self.application.bot.edit_message_text(
                parts[0][0],
                chat_id=msg.chat.id,
                message_id=msg.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply, self.buttons),
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():  # pressed twice: the page is already shown
                return True
            log.info("could not edit message %s in chat %s: %s", msg.message_id, msg.chat.id, exc.message)
            return False
        except TelegramError as exc:
            log.info("could not edit message %s in chat %s: %s", msg.message_id, msg.chat.id, exc)
            return False
        return True

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling update %s", update, exc_info=context.error)
        if isinstance(update, Update) and update.effective_message is not None:
            try:
                await self.reply(update.effective_message, apology())
            except TelegramError:
                pass

    def _on_polling_error(self, exc: TelegramError) -> None:
        now = time.monotonic()
        if isinstance(exc, Conflict):
            if now - self._last_conflict_log > 60:
                log.error(
                    "another instance is polling with this bot token (409 Conflict); "
                    "stop it, or this one receives no updates"
                )
                self._last_conflict_log = now
            return
        log.warning("polling error: %s", exc)


def topic_of(msg: Message) -> int:
    """The forum topic a message belongs to (0: none), where replies and alerts must go."""
    return msg.message_thread_id or 0 if msg.is_topic_message else 0
