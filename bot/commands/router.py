"""The command table and dispatcher: platform-neutral, from (caller, name, arguments) to a Reply."""

from __future__ import annotations

import logging
import shlex
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.commands.context import Caller
from bot.core import Core
from bot.i18n import DEFAULT, _, pick_language, translate, use_language
from bot.reply import Inline, Reply, bold, bullets, message, para, usage
from storage import AuditEntry

log = logging.getLogger(__name__)

Handler = Callable[[Core, Caller, list[str]], Awaitable[Reply]]
# Told (command, platform, outcome, seconds) after each command: "ok", "failed" (a refusal or an
# answer that is not a success), "usage", "denied" (not an operator), "error", or "unknown".
Observer = Callable[[str, str, str, float], None]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: str  # marked with N_ and translated where shown
    usage: str
    handler: Handler
    admin: bool = False  # only the configured operator ids
    aliases: tuple[str, ...] = ()
    raw: bool = False  # the handler gets the argument text whole, quotes and all
    manages_chat: bool = False  # changes the chat's settings: only who may manage the chat
    audited: bool = False  # calls with arguments go to the audit log (admin commands always do)


class UsageError(Exception):
    """Raised by a handler for bad arguments; the router answers with what was wrong (the
    exception's message, when it has one) and the command's usage line."""


def parse_command(text: str, bot_username: str | None = None) -> tuple[str, str] | None:
    """("name", "arguments") from "/name@bot arguments"; None when the text is not a command
    or names another bot."""
    text = text.strip()
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, rest = text[1:].partition(" ")
    name, _, target = head.partition("@")
    if not name or (target and bot_username and target.lower() != bot_username.lower()):
        return None
    return name.lower(), rest.strip()


def split_args(raw: str) -> list[str]:
    """Words, with quotes grouping ("new york"); unbalanced quotes fall back to plain splitting."""
    try:
        return shlex.split(raw)
    except ValueError:
        return raw.split()


class CommandRouter:
    def __init__(self, core: Core, commands: list[Command], observe: Observer | None = None):
        self.core = core
        self.commands = commands
        self.observe = observe
        self._by_name: dict[str, Command] = {}
        for command in commands:
            for name in (command.name, *command.aliases):
                self._by_name[name] = command

    def get(self, name: str) -> Command | None:
        return self._by_name.get(name.lower())

    def public(self, operator: bool = False) -> list[Command]:
        return [c for c in self.commands if operator or not c.admin]

    async def language(self, caller: Caller) -> str:
        """The chat's language: the one it chose, else the user's own in a private chat, else English."""
        chosen = await self.core.chat_language(caller.platform, caller.chat_id)
        if chosen is not None:
            return chosen
        return pick_language(caller.locale) if caller.private_chat else DEFAULT

    async def dispatch(self, caller: Caller, name: str, raw_args: str = "") -> Reply:
        """Run one command in the chat's language. Never raises: failures become a short apology,
        logged with the cause."""
        started = time.perf_counter()
        try:
            language = await self.language(caller)
        except Exception:
            log.exception("could not read the language of %s chat %s", caller.platform, caller.chat_id)
            language = DEFAULT
        with use_language(language):
            reply, outcome = await self._run(caller, name, raw_args)
        if self.observe is not None:
            command = self.get(name)
            self.observe(
                command.name if command else "unknown", caller.platform, outcome, time.perf_counter() - started
            )
        return reply

    async def _run(self, caller: Caller, name: str, raw_args: str) -> tuple[Reply, str]:
        command = self.get(name)
        if command is None:
            unknown = _("Unknown command /{name}. Send /help for the list.").format(name=name)
            return message(unknown, ok=False), "unknown"
        args = ([raw_args] if raw_args else []) if command.raw else split_args(raw_args)
        if command.admin and not caller.is_operator:
            await self._audit(caller, command, raw_args, "refused")
            return message(
                _("/{name} is for the bot's operators only.").format(name=command.name), ok=False, private=True
            ), "denied"
        try:
            reply = await command.handler(self.core, caller, args)
        except UsageError as exc:
            return usage(command.usage, str(exc), _("Usage: ")), "usage"
        except Exception:
            log.exception("command /%s failed for %s chat %s", command.name, caller.platform, caller.chat_id)
            if self._audits(command, raw_args):
                await self._audit(caller, command, raw_args, "error")
            return apology(), "error"
        if self._audits(command, raw_args):
            await self._audit(caller, command, raw_args, "ok" if reply.ok else "failed")
        return reply, "ok" if reply.ok else "failed"

    async def dispatch_text(self, caller: Caller, text: str, bot_username: str | None = None) -> Reply | None:
        """Parse "/name@bot args" and dispatch; None when the text is not a command for this bot."""
        parsed = parse_command(text, bot_username)
        if parsed is None:
            return None
        return await self.dispatch(caller, *parsed)

    async def dispatch_line(self, caller: Caller, text: str, bot_username: str | None = None) -> Reply | None:
        """A line typed in a conversation: a command ("/name" or a bare command name such as
        "help"), else a search for its words. None when it is a command for another bot."""
        text = text.strip()
        if text.startswith("/"):
            return await self.dispatch_text(caller, text, bot_username)
        first, _, rest = text.partition(" ")
        if self.get(first) is not None:
            return await self.dispatch(caller, first.lower(), rest.strip())
        return await self.dispatch(caller, "search", text)

    @staticmethod
    def _audits(command: Command, raw_args: str) -> bool:
        return command.admin or (command.audited and bool(raw_args.strip()))

    async def _audit(self, caller: Caller, command: Command, args: str, outcome: str) -> None:
        await self.core.audit.record(
            AuditEntry(
                self.core.clock(), caller.platform, caller.user_id, caller.chat_id, command.name, args[:500], outcome
            )
        )


def apology() -> Reply:
    """The answer to a command that failed unexpectedly, in the language in use."""
    return message(_("Sorry, something went wrong with that command. It has been logged."), ok=False, private=True)


def help_reply(router: CommandRouter, caller: Caller) -> Reply:
    rows: list[Inline] = []
    for command in router.public(caller.is_operator):
        also = ""
        if command.aliases:
            also = " " + _("(also {aliases})").format(aliases=", ".join("/" + a for a in command.aliases))
        rows.append([bold(command.usage), f" — {translate(command.description)}{also}"])
    if caller.platform == "console":
        rows.append([bold("/quit"), " — " + _("leave the console (or Ctrl-D)")])
    notes = [
        para(
            _(
                "Arguments in [brackets] are optional, <angle brackets> are required; "
                "a briefing is named by its id from /briefings."
            )
        ),
    ]
    if caller.platform == "console" or caller.private_chat or caller.chat_id == caller.user_id:
        notes.append(para(_("Any other text searches the briefings.")))
    return Reply((para(_("Commands:")), bullets(rows), *notes), title="Briefing Bot")
