"""Tests of the fake Discord API, driven by the real discord.py client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.fakes.discord_api import FakeDiscord, pinged

TOKEN = "fake-discord-token"
GUILD, CHANNEL, OTHER_CHANNEL = 100, 110, 111
ROLE, USER = 120, 130
WHERE = {"guild_id": GUILD, "channel_id": CHANNEL, "user_id": USER}
TOPICS = ["markets", "macro", "media", "sports"]


class BriefBot(discord.Client):
    """A minimal bot: one slash command with a string option and autocomplete."""

    def __init__(self) -> None:
        # A small guild_ready_timeout is what makes on_ready fast (see discord_api docstring).
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self._register()

    def _register(self) -> None:
        @self.tree.command(name="brief", description="Show a briefing")
        @app_commands.describe(topic="The topic")
        async def brief(interaction: discord.Interaction, topic: str) -> None:
            admin = interaction.permissions.administrator  # computed by the fake from roles
            embed = discord.Embed(title=f"Briefing: {topic}", description=f"admin={admin}")
            await interaction.response.send_message(embed=embed, ephemeral=True)

        @brief.autocomplete("topic")
        async def topic_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        self.ready.set()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as fake:
        guild = fake.add_guild(GUILD, "Newsroom")
        guild.add_channel(CHANNEL, "general")
        guild.add_channel(OTHER_CHANNEL, "archive")
        guild.add_role(ROLE, "Editors", permissions=1 << 3)
        guild.add_member(USER, "alice", roles=[ROLE])
        with fake.patched():
            yield fake


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[BriefBot]:
    client = BriefBot()
    task = asyncio.create_task(client.start(TOKEN))
    await asyncio.wait_for(client.ready.wait(), 5.0)  # a deadline against hanging, not a timing check
    yield client
    await client.close()
    await asyncio.wait_for(task, 5.0)


def channel_of(client: discord.Client, channel_id: int = CHANNEL) -> discord.TextChannel:
    channel = client.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_login_and_ready(fake: FakeDiscord, bot: BriefBot) -> None:
    assert bot.user is not None and bot.user.id == fake.bot_user_id
    assert fake.identifies == 1
    assert ("GET", "/api/v10/users/@me") in fake.requests
    assert fake.gateway.compressions == ["zlib-stream"]
    guild = bot.get_guild(GUILD)
    assert guild is not None and guild.me is not None and guild.member_count == 2
    assert channel_of(bot).name == "general"


async def test_tree_sync_invoke_and_autocomplete(fake: FakeDiscord, bot: BriefBot) -> None:
    scope, payload = fake.command_puts[0]
    assert scope == "global" and [c["name"] for c in payload] == ["brief"]
    assert fake.commands["global"][0]["options"][0]["name"] == "topic"

    inter = await fake.invoke("brief", **WHERE, options={"topic": "markets"})
    [response] = await inter.wait_response()
    assert response["type"] == 4 and response["ephemeral"]
    embed = response["embeds"][0]
    assert (embed["title"], embed["description"]) == ("Briefing: markets", "admin=True")

    choices = await fake.autocomplete("brief", "topic", "ma", **WHERE)
    assert [c["value"] for c in choices] == ["markets", "macro"]


async def test_interaction_acknowledged_twice_and_too_late(fake: FakeDiscord, bot: BriefBot) -> None:
    inter = await fake.invoke("brief", **WHERE, options={"topic": "x"})
    await inter.wait_response()
    url = f"{fake.api_root}/v10/interactions/{inter.id}/{inter.token}/callback"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"type": 4, "data": {"content": "again"}}) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 40060
    assert [(e["status"], e["code"]) for e in inter.errors] == [(400, 40060)]

    fake.interaction_timeout = 0.0  # every answer is now "after 3 s"
    late = await fake.invoke("brief", **WHERE, options={"topic": "y"})
    await fake.wait_until(lambda: bool(late.errors))
    assert late.errors[0]["code"] == 10062 and late.responses == []


async def test_message_validation(fake: FakeDiscord, bot: BriefBot) -> None:
    channel = channel_of(bot)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.status == 400 and too_long.value.code == 50035
    with pytest.raises(discord.HTTPException) as huge_embed:
        await channel.send(embed=discord.Embed(title="t", description="d" * 4097))
    assert huge_embed.value.code == 50035
    with pytest.raises(discord.HTTPException) as empty:
        await channel.send()
    assert empty.value.code == 50006
    assert fake.messages.get(CHANNEL, []) == []


async def test_allowed_mentions(fake: FakeDiscord, bot: BriefBot) -> None:
    channel = channel_of(bot)
    await channel.send(f"@everyone <@{USER}> hi", allowed_mentions=discord.AllowedMentions.none())
    await channel.send(f"@everyone <@{USER}> <@&{ROLE}> hi")
    quiet, loud = await fake.wait_messages(CHANNEL, 2)
    assert not pinged(quiet["pings"]) and quiet["allowed_mentions"]["parse"] == []
    assert loud["pings"] == {"everyone": True, "here": False, "users": [USER], "roles": [ROLE]}


async def test_rate_limited_then_success(fake: FakeDiscord, bot: BriefBot) -> None:
    fake.fail_next("/channels/", status=429, retry_after=0.05)
    await channel_of(bot).send("after a 429")
    assert [m["content"] for m in fake.messages[CHANNEL]] == ["after a 429"]
    assert fake.too_many_requests == 1
    assert fake.requests.count(("POST", f"/api/v10/channels/{CHANNEL}/messages")) == 2


async def test_unknown_and_forbidden_channels(fake: FakeDiscord, bot: BriefBot) -> None:
    fake.delete_channel(OTHER_CHANNEL)
    with pytest.raises(discord.NotFound) as missing:
        await bot.get_partial_messageable(OTHER_CHANNEL).send("hello?")
    assert missing.value.code == 10003
    fake.deny_access(CHANNEL, 50013)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel_of(bot).send("hello?")
    assert forbidden.value.code == 50013


async def test_gateway_drop_resumes(fake: FakeDiscord, bot: BriefBot) -> None:
    await fake.drop_gateway(4000)
    await fake.wait_resumed(1)
    assert (fake.identifies, fake.resumes) == (1, 1)
    inter = await fake.invoke("brief", **WHERE, options={"topic": "after"})
    [response] = await inter.wait_response()
    assert response["embeds"][0]["title"] == "Briefing: after"


async def test_bad_token_fails_login(fake: FakeDiscord) -> None:
    fake.set_token_valid(False)
    client = discord.Client(intents=discord.Intents.default())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login(TOKEN)
    finally:
        await client.close()


async def test_concurrent_sends_all_arrive(fake: FakeDiscord, bot: BriefBot) -> None:
    fake.record_requests = False
    channel = channel_of(bot)
    await asyncio.gather(*(channel.send(f"message {i}") for i in range(100)))
    assert sorted(m["content"] for m in fake.messages[CHANNEL]) == sorted(f"message {i}" for i in range(100))
