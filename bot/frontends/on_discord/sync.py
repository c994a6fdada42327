"""Publishing the slash commands only when they changed, and to one scope only.

The stored value (service_state ``discord_commands_hash``) is ``app id|scope|payload hash``.
A restart with the same commands sends nothing (Discord rate-limits command updates); a
switch between a guild and global clears the old scope, so no command shows twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Protocol

import discord
from discord import app_commands

log = logging.getLogger(__name__)

STATE_KEY = "discord_commands_hash"


class Memory(Protocol):
    """Where the last synced hash is kept across restarts (the core's service state)."""

    async def recall(self, key: str) -> str | None: ...

    async def remember(self, key: str, value: str) -> None: ...


def scope_of(guild_id: int) -> str:
    return f"guild:{guild_id}" if guild_id else "global"


def _guild(scope: str) -> discord.Object | None:
    return discord.Object(int(scope.removeprefix("guild:"))) if scope.startswith("guild:") else None


async def commands_hash(tree: app_commands.CommandTree, guild_id: int) -> str:
    """The hash of what a sync would send, translations included (a new translation alone re-syncs)."""
    guild = discord.Object(guild_id) if guild_id else None
    translator = tree.translator
    payload = [
        await command.get_translated_payload(tree, translator) if translator else command.to_dict(tree)
        for command in tree.get_commands(guild=guild)
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_commands(tree: app_commands.CommandTree, memory: Memory, app_id: int, guild_id: int) -> bool:
    """Sync when the command set (or scope) changed; returns whether anything was sent."""
    scope = scope_of(guild_id)
    wanted = f"{app_id}|{scope}|{await commands_hash(tree, guild_id)}"
    stored = await memory.recall(STATE_KEY) or ""
    if stored == wanted:
        log.info("Discord commands unchanged (%s); not syncing", scope)
        return False
    synced = await tree.sync(guild=_guild(scope))
    log.info("synced %d Discord command(s) to %s", len(synced), scope)
    old_app, _, rest = stored.partition("|")
    old_scope = rest.partition("|")[0]
    if old_app == str(app_id) and old_scope and old_scope != scope:
        await _clear(tree, old_scope)
    await memory.remember(STATE_KEY, wanted)
    return True


async def _clear(tree: app_commands.CommandTree, scope: str) -> None:
    """The tree holds no command for the old scope, so syncing it publishes an empty list."""
    try:
        await tree.sync(guild=_guild(scope))
        log.info("cleared the Discord commands of %s", scope)
    except discord.HTTPException as exc:  # e.g. the bot has left that guild
        log.warning("could not clear the Discord commands of %s: %s", scope, exc)
