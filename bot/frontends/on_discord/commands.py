"""Slash commands built from the command layer: one application command per router command.

Each command gets typed string options (a table below; unknown commands with arguments get
one free-text ``arguments`` option) and a callback that turns the option values back into the
raw argument string the router parses, e.g. ``daily 07:30 Europe/Kyiv kursk drones``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

import discord
from discord import app_commands

from bot.commands.router import Command

Run = Callable[[discord.Interaction, str, str], Awaitable[None]]
Complete = Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]]

MANAGE_COMMANDS = frozenset({"subscribe", "unsubscribe"})
DESCRIPTION_MAX = 100


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    description: str
    required: bool = False
    autocomplete: bool = False


BRIEFING = Option("briefing", "Which briefing (the newest when left out)", autocomplete=True)
ARGUMENTS = Option("arguments", "Arguments, as in /help")
OPTIONS: dict[str, tuple[Option, ...]] = {
    "summary": (BRIEFING,),
    "keypoints": (BRIEFING,),
    "quotes": (BRIEFING,),
    "figures": (BRIEFING, Option("word", "Only figures mentioning this word")),
    "search": (Option("words", "The words to find", required=True),),
    "broadcast": (Option("text", "The announcement to send to every subscriber", required=True),),
    "subscribe": (
        Option("daily_time", "A daily digest at HH:MM instead of instant alerts"),
        Option("timezone", "The daily digest's time zone, as Area/City (default UTC)"),
        Option("keywords", "Only news with these words (separated by spaces)"),
    ),
}


def options_for(command: Command) -> tuple[Option, ...]:
    if command.name in OPTIONS:
        return OPTIONS[command.name]
    return (ARGUMENTS,) if " " in command.usage.strip() else ()


def raw_args(name: str, options: tuple[Option, ...], values: dict[str, Any]) -> str:
    """The argument text the router expects, from the option values in their declared order."""
    given = {o.name: str(values[o.name]).strip() for o in options if values.get(o.name)}
    if name == "subscribe":
        words = []
        if given.get("daily_time"):
            words += ["daily", given["daily_time"]]
        if given.get("timezone"):
            words.append(given["timezone"])  # without a time the router answers with the usage line
        words += given.get("keywords", "").replace(",", " ").split()
        return " ".join(words)
    return " ".join(given[o.name] for o in options if o.name in given)


def _callback(name: str, options: tuple[Option, ...], run: Run) -> Callable[..., Awaitable[None]]:
    """A callback whose signature discord.py reads as the command's options."""

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await run(interaction, name, raw_args(name, options, values))

    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)]
    for option in options:
        params.append(inspect.Parameter(
            option.name, inspect.Parameter.KEYWORD_ONLY,
            annotation=str if option.required else Optional[str],
            default=inspect.Parameter.empty if option.required else None,
        ))
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = {o.name: o.description for o in options}  # type: ignore[attr-defined]
    return callback


def slash_command(command: Command, run: Run, complete: Complete) -> app_commands.Command:
    options = options_for(command)
    callback = _callback(command.name, options, run)
    if command.name in MANAGE_COMMANDS:
        callback = app_commands.default_permissions(manage_channels=True)(callback)
    elif command.admin:  # a courtesy: the router refuses anyone not in DISCORD_ADMIN_IDS
        callback = app_commands.default_permissions(administrator=True)(callback)
    slash = app_commands.Command(
        name=command.name, description=command.description[:DESCRIPTION_MAX], callback=callback
    )
    for option in options:
        if option.autocomplete:
            slash.autocomplete(option.name)(complete)
    return slash


def build_tree(client: discord.Client, commands: list[Command], run: Run, complete: Complete,
               guild_id: int = 0) -> app_commands.CommandTree:
    """A command tree holding every command in one scope: the guild when set, else global."""
    tree = app_commands.CommandTree(client)
    guild = discord.Object(guild_id) if guild_id else None
    for command in commands:
        tree.add_command(slash_command(command, run, complete), guild=guild)
    return tree
