"""Slash commands built from the command layer: one application command per router command.

Each command's options come from one of a few shapes (a briefing; a briefing and a word; the
words to search; ...), each a plain callback whose typed parameters discord.py reads as the
command's options. The callback turns the option values back into the raw argument string
the router parses, e.g. ``daily 07:30 Europe/Kyiv kursk drones``.

Descriptions are `locale_str`s holding the English text; `CatalogTranslator` gives Discord
their localizations from the bot's catalogs when the tree is synced.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.commands.router import Command
from bot.i18n import DEFAULT, N_, pick_language, translate, use_language

Run = Callable[[discord.Interaction, str, str], Coroutine[Any, Any, None]]
Complete = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]
Callback = Callable[..., Coroutine[Any, Any, None]]

DESCRIPTION_MAX = 100
BRIEFING = locale_str(N_("Which briefing (the newest when left out)"))


class CatalogTranslator(app_commands.Translator):
    """Command and option descriptions in each Discord locale the bot has a catalog for."""

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        language = pick_language(locale.value)
        if language == DEFAULT:
            return None  # the descriptions are written in English
        with use_language(language):
            text = translate(string.message)
        return text[:DESCRIPTION_MAX] if text != string.message else None


def subscribe_args(daily_time: str | None, timezone: str | None, keywords: str | None) -> str:
    """/subscribe's argument text from its options: ``daily HH:MM [zone] [keyword ...]``."""
    words = []
    if daily_time and daily_time.strip():
        words += ["daily", daily_time.strip()]
    if timezone and timezone.strip():
        words.append(timezone.strip())  # without a time the router answers with the usage line
    words += (keywords or "").replace(",", " ").split()
    return " ".join(words)


def _joined(*values: str | None) -> str:
    return " ".join(v.strip() for v in values if v and v.strip())


def _shape(command: Command, run: Run) -> tuple[Callback, bool]:
    """The command's callback, and whether it has a ``briefing`` option to autocomplete."""
    name = command.name

    if name in ("summary", "keypoints", "quotes"):

        @app_commands.describe(briefing=BRIEFING)
        async def one_briefing(interaction: discord.Interaction, briefing: str | None = None) -> None:
            await run(interaction, name, _joined(briefing))

        return one_briefing, True

    if name == "figures":

        @app_commands.describe(briefing=BRIEFING, word=locale_str(N_("Only figures mentioning this word")))
        async def figures(
            interaction: discord.Interaction, briefing: str | None = None, word: str | None = None
        ) -> None:
            await run(interaction, name, _joined(briefing, word))

        return figures, True

    if name == "search":

        @app_commands.describe(words=locale_str(N_("The words to find")))
        async def search(interaction: discord.Interaction, words: str) -> None:
            await run(interaction, name, _joined(words))

        return search, False

    if name == "broadcast":

        @app_commands.describe(text=locale_str(N_("The announcement to send to every subscriber")))
        async def broadcast(interaction: discord.Interaction, text: str) -> None:
            await run(interaction, name, _joined(text))

        return broadcast, False

    if name == "subscribe":

        @app_commands.describe(
            daily_time=locale_str(N_("A daily digest at HH:MM instead of instant alerts")),
            timezone=locale_str(N_("The daily digest's time zone, as Area/City (default UTC)")),
            keywords=locale_str(N_("Only news with these words (separated by spaces)")),
        )
        async def subscribe(
            interaction: discord.Interaction,
            daily_time: str | None = None,
            timezone: str | None = None,
            keywords: str | None = None,
        ) -> None:
            await run(interaction, name, subscribe_args(daily_time, timezone, keywords))

        return subscribe, False

    if " " in command.usage.strip():  # any other command that takes arguments

        @app_commands.describe(arguments=locale_str(N_("Arguments, as in /help")))
        async def with_arguments(interaction: discord.Interaction, arguments: str | None = None) -> None:
            await run(interaction, name, _joined(arguments))

        return with_arguments, False

    async def bare(interaction: discord.Interaction) -> None:
        await run(interaction, name, "")

    return bare, False


def slash_command(command: Command, run: Run, complete: Complete) -> app_commands.Command[Any, ..., None]:
    callback, has_briefing = _shape(command, run)
    if command.manages_chat:
        callback = app_commands.default_permissions(manage_channels=True)(callback)
    elif command.admin:  # a courtesy: the router refuses anyone not in DISCORD_ADMIN_IDS
        callback = app_commands.default_permissions(administrator=True)(callback)
    slash: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=command.name, description=locale_str(command.description[:DESCRIPTION_MAX]), callback=callback
    )
    if has_briefing:
        slash.autocomplete("briefing")(complete)
    return slash


def build_tree(
    client: discord.Client, commands: list[Command], run: Run, complete: Complete, guild_id: int = 0
) -> app_commands.CommandTree:
    """A command tree holding every command in one scope: the guild when set, else global."""
    tree = app_commands.CommandTree(client)
    guild = discord.Object(guild_id) if guild_id else None
    for command in commands:
        tree.add_command(slash_command(command, run, complete), guild=guild)
    return tree
