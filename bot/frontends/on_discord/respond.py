"""Answering an interaction with a Reply, within Discord's 3-second acknowledgement window.

A command that answers within ``defer_after`` seconds is answered directly (so a private reply
can be ephemeral); a slower one is deferred ("thinking…") first and its answer edited in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.commands.router import apology
from bot.frontends.on_discord.render import DiscordMessage, render
from bot.reply import Reply

NO_MENTIONS = discord.AllowedMentions.none()


Views = Callable[[Reply], "discord.ui.View | None"]  # a reply's components (buttons, a select menu)


def _no_views(reply: Reply) -> None:
    return None


async def answer(
    interaction: discord.Interaction, work: Awaitable[Reply], *, defer_after: float, views: Views = _no_views
) -> None:
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=defer_after)
    if task in done:
        reply = task.result()
        await send_reply(interaction, reply, deferred=False, view=views(reply))
        return
    try:
        await interaction.response.defer(thinking=True)
    finally:
        reply = await task  # the command's effect happens even if the interaction expired
    await send_reply(interaction, reply, deferred=True, view=views(reply))


async def answer_action(
    interaction: discord.Interaction, work: Awaitable[Reply], *, replace: bool, defer_after: float, views: Views
) -> None:
    """Answer a pressed component: a page replaces the message it is under, a refusal (or what
    the component pointed at being gone) is told to the presser alone, anything else is a new message."""
    if not replace:
        await answer(interaction, work, defer_after=defer_after, views=views)
        return
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=defer_after)
    deferred = task not in done
    if deferred:
        try:
            await interaction.response.defer()  # "the message will be updated"
        finally:
            reply = await task
    else:
        reply = task.result()
    parts = render(reply)
    if not reply.ok or len(parts) != 1:
        if deferred:
            for part in parts:
                await _follow_up(interaction, part, not reply.ok)
        else:
            await send_reply(interaction, reply, deferred=False, view=views(reply) if reply.ok else None)
        return
    view = views(reply)
    edit: dict[str, Any] = {
        "content": parts[0].content,
        "embeds": parts[0].embeds,
        "view": view,
        "allowed_mentions": NO_MENTIONS,
    }
    if deferred:
        await interaction.edit_original_response(**edit)
    else:
        await interaction.response.edit_message(**edit)


async def send_reply(
    interaction: discord.Interaction, reply: Reply, *, deferred: bool, view: discord.ui.View | None = None
) -> None:
    """The reply in as many messages as it needs; `view` (its components) goes under the last one."""
    parts = render(reply)
    private = reply.private
    last = parts[-1]

    def view_of(part: DiscordMessage) -> Any:
        # discord.py's MISSING leaves a message's components as they are; the view goes under the last part.
        return view if view is not None and part is last else discord.utils.MISSING

    if not deferred:
        first, *rest = parts
        await interaction.response.send_message(
            content=first.content,
            embeds=first.embeds,
            ephemeral=private,
            allowed_mentions=NO_MENTIONS,
            view=view_of(first),
        )
    elif private:
        # The "thinking…" message is public; a private answer replaces it with ephemeral follow-ups.
        await interaction.delete_original_response()
        rest = parts
    else:
        first, *rest = parts
        await interaction.edit_original_response(
            content=first.content,
            embeds=first.embeds,
            allowed_mentions=NO_MENTIONS,
            view=view_of(first),
        )
    for part in rest:
        await _follow_up(interaction, part, private, view=view_of(part))


async def _follow_up(
    interaction: discord.Interaction, part: DiscordMessage, private: bool, view: Any = discord.utils.MISSING
) -> None:
    await interaction.followup.send(
        content=part.content or "", embeds=part.embeds, ephemeral=private, allowed_mentions=NO_MENTIONS, view=view
    )


async def apologise(interaction: discord.Interaction) -> None:
    """The short ephemeral apology after an unexpected error (best effort)."""
    if interaction.is_expired():
        return
    if interaction.response.is_done():
        await _follow_up(interaction, render(apology())[0], True)
    else:
        await send_reply(interaction, apology(), deferred=False)
