"""The Discord front-end: a discord.py Client with slash commands wired to the command layer.

`start()` points discord.py at the configured servers, logs in, publishes the commands when
they changed, and runs the gateway in a background task until READY. No privileged intent is
used: commands arrive as interactions, and the guilds intent keeps channels in the cache.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.gateway import DiscordWebSocket

from bot.commands.context import Caller
from bot.commands.router import CommandRouter
from bot.core import Core
from bot.errors import StartupError
from bot.frontends.on_discord.commands import CatalogTranslator, build_tree
from bot.frontends.on_discord.components import ActionButton, ChoiceMenu, action_codec, components
from bot.frontends.on_discord.endpoints import point_at
from bot.frontends.on_discord.render import fit
from bot.frontends.on_discord.respond import NO_MENTIONS, answer, answer_action, apologise
from bot.frontends.on_discord.sender import DiscordSender
from bot.frontends.on_discord.sync import sync_commands
from bot.i18n import _, use_language
from bot.reply import Reply

log = logging.getLogger(__name__)

CHOICES_MAX = 25
CHOICE_MAX = 100
STOP_TIMEOUT = 2.5  # twice at most: the service must stop within 10 s
UNREACHABLE = (OSError, aiohttp.ClientError, asyncio.TimeoutError, discord.HTTPException, discord.GatewayNotFound)


class BriefingClient(discord.Client):
    """The discord.py client: no privileged intents, no mentions unless a send allows them."""

    def __init__(self, frontend: DiscordFrontend, guild_ready_timeout: float):
        discord.VoiceClient.warn_nacl = False  # this bot never speaks: PyNaCl's absence is no news
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            guild_ready_timeout=guild_ready_timeout,
            max_ratelimit_timeout=30.0,
        )
        self.frontend = frontend
        self.ready = asyncio.Event()

    async def setup_hook(self) -> None:
        # Components are understood from their custom ids alone: old messages' too.
        self.add_dynamic_items(ActionButton, ChoiceMenu)

    async def on_action(self, interaction: discord.Interaction, data: str) -> None:
        await self.frontend.on_action(interaction, data)

    async def on_ready(self) -> None:
        self.ready.set()
        log.info("Discord front-end ready as %s in %d guild(s)", self.user, len(self.guilds))

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.frontend.chat_gone(channel.id, "channel deleted")

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        for channel in guild.channels:
            await self.frontend.chat_gone(channel.id, "bot removed from the server")


class DiscordFrontend:
    platform = "discord"

    def __init__(
        self,
        core: Core,
        router: CommandRouter,
        *,
        guild_ready_timeout: float = 2.0,
        ready_timeout: float = 30.0,
        defer_after: float = 2.0,
    ):
        self.core = core
        self.router = router
        self.ready_timeout = ready_timeout
        self.defer_after = defer_after
        self.guild_ready_timeout = guild_ready_timeout
        self._new_client()
        self.sender = DiscordSender(core.settings.discord_token)
        self.actions = action_codec()
        self.sender.alert_components = self._components_payload
        self._gateway: asyncio.Task[None] | None = None
        self._restore: Callable[[], None] | None = None
        self.standby = False  # set up to send only, while another process holds the gateway

    def _new_client(self) -> None:
        self.client = BriefingClient(self, self.guild_ready_timeout)
        self.tree = build_tree(
            self.client,
            self.router.public(operator=True),
            self._run,
            self._complete,
            self.core.settings.discord_guild_id,
        )
        self.tree.error(self._on_tree_error)

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self, *, connect: bool = True) -> None:
        """Log in, sync the commands if they changed, connect; raises StartupError when it cannot.

        With `connect` False only the sender is set up: another process holds the gateway,
        and `connect_gateway` takes it over later."""
        try:
            if connect:
                await self._start()
            else:
                self._restore = await point_at(self.core.settings)
                self.standby = True
        except Exception as exc:
            await self.stop()
            if isinstance(exc, StartupError):
                raise
            raise StartupError(self._startup_problem(exc)) from None

    async def _start(self) -> None:
        settings = self.core.settings
        self._restore = await point_at(settings)
        await self.client.login(settings.discord_token)
        await self.tree.set_translator(CatalogTranslator())
        await self._sync()
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        self._gateway.add_done_callback(_log_gateway_end)
        await self._wait_ready()

    async def connect_gateway(self) -> None:
        """Hold the gateway (commands arrive through it): in one process of several."""
        if not self.standby:
            return
        if self.client.is_closed():
            self._new_client()  # a closed discord.py client keeps its closed connector: start afresh
        if self._restore is not None:
            self._restore()
            self._restore = None
        await self._start()
        self.standby = False
        log.info("Discord: holding the gateway")

    async def disconnect_gateway(self) -> None:
        """Let the gateway go (another process leads); alerts still go out through the sender."""
        if self.standby:
            return
        try:
            await asyncio.wait_for(self.client.close(), STOP_TIMEOUT)
        except TimeoutError:
            log.warning("closing the Discord gateway took longer than %.0f s", STOP_TIMEOUT)
        self.standby = True
        log.info("Discord: let the gateway go")

    def _startup_problem(self, exc: Exception) -> str:
        if isinstance(exc, discord.LoginFailure) or (isinstance(exc, discord.ConnectionClosed) and exc.code == 4004):
            return "Discord rejected DISCORD_BOT_TOKEN"
        api = self.core.settings.discord_api_url
        if isinstance(exc, (*UNREACHABLE, discord.ConnectionClosed)):
            return f"cannot reach Discord at DISCORD_API_URL ({api}): {type(exc).__name__}: {exc}"
        return f"the Discord front-end could not start: {type(exc).__name__}: {exc}"

    async def _sync(self) -> None:
        app_id = self.client.application_id or 0
        try:
            await sync_commands(self.tree, self.core, app_id, self.core.settings.discord_guild_id)
        except discord.HTTPException as exc:  # the previous command set stays in place
            log.error("could not publish the Discord slash commands: %s", exc)

    async def _wait_ready(self) -> None:
        if self._gateway is None:
            raise StartupError("the Discord gateway was never started")
        ready = asyncio.ensure_future(self.client.ready.wait())
        done, _ = await asyncio.wait(
            {ready, self._gateway}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready in done:
            return
        ready.cancel()
        if self._gateway in done:
            self._gateway.result()  # raises what ended the connection
            raise StartupError("the Discord gateway closed the connection before READY")
        gateway = DiscordWebSocket.DEFAULT_GATEWAY
        raise StartupError(f"no READY from the Discord gateway ({gateway}) within {self.ready_timeout:.0f} s")

    @property
    def connected(self) -> bool:
        """The gateway session is READY and open (or another process holds it and this one sends)."""
        return self.standby or (self.client.is_ready() and not self.client.is_closed())

    async def stop(self) -> None:
        """Close the gateway and the HTTP session; returns within a few seconds."""
        try:
            await asyncio.wait_for(self.client.close(), STOP_TIMEOUT)
        except TimeoutError:
            log.warning("closing the Discord client took longer than %.0f s", STOP_TIMEOUT)
        if self._gateway is not None and not self._gateway.done():
            done, _ = await asyncio.wait({self._gateway}, timeout=STOP_TIMEOUT)
            if not done:
                self._gateway.cancel()
        await self.sender.close()
        if self._restore is not None:
            self._restore()
            self._restore = None

    # --- interactions -----------------------------------------------------------------------

    async def _run(self, interaction: discord.Interaction, name: str, raw_args: str) -> None:
        try:
            caller = self.caller(interaction)
            await answer(
                interaction, self.router.dispatch(caller, name, raw_args), defer_after=self.defer_after, views=self.view
            )
        except Exception:
            log.exception("Discord command /%s failed in channel %s", name, interaction.channel_id)
            await _apologise_quietly(interaction)

    def view(self, reply: Reply) -> discord.ui.View | None:
        return components(reply, self.actions, reply.choose)

    def _components_payload(self, reply: Reply) -> list[dict[str, Any]] | None:
        """An alert's buttons as the JSON Discord takes (alerts go out over the sender's own REST)."""
        view = self.view(reply)
        return view.to_components() if view is not None else None

    async def on_action(self, interaction: discord.Interaction, data: str) -> None:
        """A pressed button or a chosen menu option: its command run for whoever used it."""
        try:
            caller = self.caller(interaction)
            action = self.actions.decode(data)
            command = self.router.get(action.command) if action is not None else None
            if action is None or command is None:
                with use_language(await self.router.language(caller)):
                    notice = _("This button is out of date; send the command again.")
                await interaction.response.send_message(notice, ephemeral=True)
                return
            work = self.router.dispatch(caller, command.name, shlex.join(action.args))
            await answer_action(
                interaction, work, replace=action.replace, defer_after=self.defer_after, views=self.view
            )
        except Exception:
            log.exception("Discord component %r failed in channel %s", data[:40], interaction.channel_id)
            await _apologise_quietly(interaction)

    def caller(self, interaction: discord.Interaction) -> Caller:
        user_id = interaction.user.id
        chat_id, thread_id = where(interaction)
        in_guild = interaction.guild_id is not None
        return Caller(
            platform="discord",
            chat_id=chat_id,
            user_id=user_id,
            thread_id=thread_id,
            is_operator=user_id in self.core.settings.discord_admin_ids,
            # Manage Channels in this channel (overwrites included); a DM is the caller's own.
            can_manage=interaction.permissions.manage_channels if in_guild else True,
            locale=interaction.locale.value,
            private_chat=not in_guild,
        )

    async def _complete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Briefing choices: id and title, filtered by what is typed."""
        needle = current.strip().lower()
        choices: list[app_commands.Choice[str]] = []
        for b in await self.core.library.listings():
            if needle in b.id.lower() or needle in b.title.lower():
                choices.append(
                    app_commands.Choice(name=fit(f"{b.id} — {b.title}", CHOICE_MAX), value=b.id[:CHOICE_MAX])
                )
            if len(choices) == CHOICES_MAX:
                break
        return choices

    async def _on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("Discord interaction failed: %s", error, exc_info=error)
        await _apologise_quietly(interaction)

    async def chat_gone(self, chat_id: int, reason: str) -> None:
        await self.core.chat_gone("discord", chat_id, reason)


def where(interaction: discord.Interaction) -> tuple[int, int]:
    """(chat id, thread id): a thread's chat is its parent channel, where subscriptions live."""
    channel = interaction.channel
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return channel.parent_id, channel.id
    return interaction.channel_id or 0, 0


async def _apologise_quietly(interaction: discord.Interaction) -> None:
    try:
        await apologise(interaction)
    except discord.HTTPException as exc:
        log.warning("could not send the apology: %s", exc)


def _log_gateway_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("the Discord gateway connection ended: %s", exc, exc_info=exc)
