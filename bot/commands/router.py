"""The command table and dispatcher: platform-neutral, from (caller, name, arguments) to a Reply."""

from __future__ import annotations

import logging
import shlex
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from bot.commands.context import Caller
from bot.core import Core
from bot.reply import APOLOGY, Inline, Reply, bold, bullets, message, para, usage
from storage import AuditEntry

log = logging.getLogger(__name__)

Handler = Callable[[Core, Caller, list[str]], Awaitable[Reply]]
# Told (command, platform, outcome, seconds) after each command: "ok", "failed" (a refusal or an
# answer that is not a success), "usage", "denied" (not an operator), "error", or "unknown".
Observer = Callable[[str, str, str, float], None]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: str
    usage: str
    handler: Handler
    admin: bool = False  # only the configured operator ids
    aliases: tuple[str, ...] = ()
    raw: bool = False  # the handler gets the argument text whole, quotes and all
    manages_chat: bool = False  # changes the chat's settings: only who may manage the chat


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

    async def dispatch(self, caller: Caller, name: str, raw_args: str = "") -> Reply:
        """Run one command. Never raises: failures become a short apology, logged with the cause."""
        started = time.perf_counter()
        reply, outcome = await self._run(caller, name, raw_args)
        if self.observe is not None:
            command = self.get(name)
            self.observe(command.name if command else "unknown", caller.platform, outcome,
                         time.perf_counter() - started)
        return reply

    async def _run(self, caller: Caller, name: str, raw_args: str) -> tuple[Reply, str]:
        command = self.get(name)
        if command is None:
            return message(f"Unknown command /{name}. Send /help for the list.", ok=False), "unknown"
        args = ([raw_args] if raw_args else []) if command.raw else split_args(raw_args)
        if command.admin and not caller.is_operator:
            await self._audit(caller, command, raw_args, "refused")
            return message(f"/{command.name} is for the bot's operators only.", ok=False, private=True), "denied"
        try:
            reply = await command.handler(self.core, caller, args)
        except UsageError as exc:
            return usage(command.usage, str(exc)), "usage"
        except Exception:
            log.exception("command /%s failed for %s chat %s", command.name, caller.platform, caller.chat_id)
            if command.admin:
                await self._audit(caller, command, raw_args, "error")
            return APOLOGY, "error"
        if command.admin:
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

    async def _audit(self, caller: Caller, command: Command, args: str, outcome: str) -> None:
        await self.core.audit.record(
            AuditEntry(self.core.clock(), caller.platform, caller.user_id, caller.chat_id, command.name, args[:500], outcome)
        )


def help_reply(router: CommandRouter, caller: Caller) -> Reply:
    rows: list[Inline] = []
    for command in router.public(caller.is_operator):
        also = f" (also {', '.join('/' + a for a in command.aliases)})" if command.aliases else ""
        rows.append([bold(command.usage), f" — {command.description}{also}"])
    if caller.platform == "console":
        rows.append([bold("/quit"), " — leave the console (or Ctrl-D)"])
    notes = [
        para("Arguments in [brackets] are optional, <angle brackets> are required; "
             "a briefing is named by its id from /briefings."),
    ]
    if caller.platform == "console" or caller.chat_id == caller.user_id:
        notes.append(para("Any other text searches the briefings."))
    return Reply((para("Commands:"), bullets(rows), *notes), title="Briefing Bot")
