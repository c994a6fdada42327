"""Answering an interaction with a Reply, within Discord's 3-second acknowledgement window.

A command that answers within ``defer_after`` seconds is answered directly (so a private reply
can be ephemeral); a slower one is deferred ("thinking…") first and its answer edited in.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable

import discord

from bot.frontends.on_discord.render import DiscordMessage, render
from bot.commands.router import apology
from bot.reply import Reply

NO_MENTIONS = discord.AllowedMentions.none()


async def answer(interaction: discord.Interaction, work: Awaitable[Reply], *, defer_after: float) -> None:
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=defer_after)
    if task in done:
        await send_reply(interaction, task.result(), deferred=False)
        return
    try:
        await interaction.response.defer(thinking=True)
    finally:
        reply = await task  # the command's effect happens even if the interaction expired
    await send_reply(interaction, reply, deferred=True)


async def send_reply(interaction: discord.Interaction, reply: Reply, *, deferred: bool) -> None:
    parts = render(reply)
    private = reply.private
    if not deferred:
        first, *rest = parts
        await interaction.response.send_message(
            content=first.content, embeds=first.embeds, ephemeral=private, allowed_mentions=NO_MENTIONS
        )
    elif private:
        # The "thinking…" message is public; a private answer replaces it with ephemeral follow-ups.
        await interaction.delete_original_response()
        rest = parts
    else:
        first, *rest = parts
        await interaction.edit_original_response(
            content=first.content, embeds=first.embeds, allowed_mentions=NO_MENTIONS
        )
    for part in rest:
        await _follow_up(interaction, part, private)


async def _follow_up(interaction: discord.Interaction, part: DiscordMessage, private: bool) -> None:
    await interaction.followup.send(
        content=part.content or "", embeds=part.embeds, ephemeral=private, allowed_mentions=NO_MENTIONS
    )


async def apologise(interaction: discord.Interaction) -> None:
    """The short ephemeral apology after an unexpected error (best effort)."""
    if interaction.is_expired():
        return
    if interaction.response.is_done():
        await _follow_up(interaction, render(apology())[0], True)
    else:
        await send_reply(interaction, apology(), deferred=False)
