"""DiscordSender against the loopback FakeDiscord: one alert to many channels, encoded once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.frontends.on_discord.sender import CACHED_REPLIES, DiscordSender
from bot.reply import message
from tests.fakes.discord_api import FakeDiscord

TOKEN = "fake-discord-token"
GUILD, CHANNELS = 100, (110, 111, 112)


@pytest.fixture
async def sender() -> AsyncIterator[tuple[DiscordSender, FakeDiscord]]:
    async with FakeDiscord(token=TOKEN) as fake:
        guild = fake.add_guild(GUILD, "Newsroom")
        for channel_id in CHANNELS:
            guild.add_channel(channel_id, f"news-{channel_id}")
        with fake.patched():  # the sender posts to discord.py's Route.BASE, as the front-end sets it
            sender = DiscordSender(TOKEN)
            try:
                yield sender, fake
            finally:
                await sender.close()


def contents(fake: FakeDiscord, channel_id: int) -> list[str]:
    return [m.get("content") or m["embeds"][0].get("description", "") for m in fake.messages.get(channel_id, [])]


async def test_one_alert_reaches_every_channel_alike(sender: tuple[DiscordSender, FakeDiscord]) -> None:
    discord_sender, fake = sender
    reply = message("Kursk: **not bold** @everyone")
    for channel_id in CHANNELS:
        assert (await discord_sender.deliver(channel_id, 0, reply)).status == "sent"
    sent = [fake.messages[c][0] for c in CHANNELS]
    assert all(m["allowed_mentions"] == {"parse": []} for m in sent)
    first = contents(fake, CHANNELS[0])
    assert len(first) == 1 and "Kursk" in first[0]
    assert first == contents(fake, CHANNELS[1]) == contents(fake, CHANNELS[2])


async def test_each_new_alert_is_sent_as_itself(sender: tuple[DiscordSender, FakeDiscord]) -> None:
    discord_sender, fake = sender
    for i in range(CACHED_REPLIES + 10):  # more alerts than the cache holds: entries are replaced
        assert (await discord_sender.deliver(CHANNELS[0], 0, message(f"alert number {i}"))).status == "sent"
    texts = contents(fake, CHANNELS[0])
    assert len(texts) == CACHED_REPLIES + 10
    assert all(f"alert number {i}" in text for i, text in enumerate(texts))
