"""Speed of the loopback fakes themselves (moved here from their tests, which assert behaviour only).

Prints: raw sendMessage requests/s into FakeTelegram (aiohttp, 16 concurrent clients), a
0.3 s long poll's actual wait, discord.py's login-to-ready time against FakeDiscord and its
channel messages/s through discord.py. Everything in one process and event loop.

    .venv/bin/python -m bench.fakes
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp

from bench.common import DISCORD_TOKEN, TELEGRAM_TOKEN, header, run, table

TELEGRAM_REQUESTS, TELEGRAM_CLIENTS = 3000, 16
DISCORD_MESSAGES = 1000
USER, GUILD, CHANNEL = 42, 100, 110


async def telegram_rows() -> list[list[Any]]:
    from telegram import Bot

    from tests.fakes.telegram_api import FakeTelegram

    async with FakeTelegram(token=TELEGRAM_TOKEN, record_calls=False) as fake:
        fake.add_user(USER, "Ada")
        fake.add_chat(USER, "private")
        url = f"{fake.base_url}{fake.token}/sendMessage"

        async def client(http: aiohttp.ClientSession, n: int) -> None:
            for _ in range(n):
                async with http.post(url, data={"chat_id": str(USER), "text": "hello"}) as response:
                    await response.read()

        async with aiohttp.ClientSession() as http:
            started = time.perf_counter()
            per_client = TELEGRAM_REQUESTS // TELEGRAM_CLIENTS
            await asyncio.gather(*(client(http, per_client) for _ in range(TELEGRAM_CLIENTS)))
            seconds = time.perf_counter() - started
        assert len(fake.sent) == per_client * TELEGRAM_CLIENTS
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            started = time.perf_counter()
            assert await bot.get_updates(timeout=0.3) == ()
            poll = time.perf_counter() - started
    return [
        [f"FakeTelegram sendMessage, {TELEGRAM_CLIENTS} aiohttp clients", len(fake.sent) / seconds, "req/s"],
        ["FakeTelegram getUpdates(timeout=0.3) on an empty queue", poll, "s"],
    ]


async def discord_rows() -> list[list[Any]]:
    import discord

    from tests.fakes.discord_api import FakeDiscord

    async with FakeDiscord(token=DISCORD_TOKEN) as fake:
        guild = fake.add_guild(GUILD, "Newsroom")
        guild.add_channel(CHANNEL, "general")
        with fake.patched():
            client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
            ready = asyncio.Event()

            @client.event
            async def on_ready() -> None:
                ready.set()

            started = time.perf_counter()
            task = asyncio.create_task(client.start(DISCORD_TOKEN))
            await asyncio.wait_for(ready.wait(), 30)
            login = time.perf_counter() - started
            fake.record_requests = False
            channel = client.get_channel(CHANNEL)
            assert isinstance(channel, discord.TextChannel)
            started = time.perf_counter()
            for first in range(0, DISCORD_MESSAGES, 100):
                await asyncio.gather(*(channel.send(f"message {i}") for i in range(first, first + 100)))
            seconds = time.perf_counter() - started
            assert len(fake.messages[CHANNEL]) == DISCORD_MESSAGES
            await client.close()
            await asyncio.wait_for(task, 10)
    return [
        ["discord.py login to on_ready against FakeDiscord", login, "s"],
        ["FakeDiscord channel messages through discord.py, 100 at a time", DISCORD_MESSAGES / seconds, "msgs/s"],
    ]


async def main() -> list[list[Any]]:
    header("the loopback fakes' own speed")
    logging.getLogger("discord").setLevel(logging.ERROR)  # no "PyNaCl is not installed" noise
    rows = await telegram_rows() + await discord_rows()
    table(["what", "figure", "unit"], rows)
    return rows


if __name__ == "__main__":
    run(main)
