"""Discord fan-out: one broadcast to N guild channels through the bot's delivery path.

End to end: outbox claim → DeliveryWorker → the bot's DiscordSender on the DiscordFrontend's
discord.py client (logged in and connected to FakeDiscord's gateway, so channels are cached
as in production) → FakeDiscord REST on 127.0.0.1 (limits off, requests not recorded).
Beside it, a bare aiohttp client posts the same messages (`POST /v10/channels/{id}/messages`,
`Authorization: Bot <token>`, concurrency 64, one session).
If the Discord front-end cannot start, a plain discord.py Client is used (printed).
Goals to compare with: >= 1,000 msgs/s and bot/bare >= 0.5.

    .venv/bin/python -m bench.discord_fanout
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any, AsyncIterator

from bench.common import (
    BROADCAST_TEXT, DISCORD_TOKEN, bare_post_all, delivered_count, header, open_core, queue_one_broadcast,
    run, table, temp_dir, temp_settings, unlimited, write_subscriptions,
)
from bot.alerts.compose import alert_reply
from bot.alerts.worker import DeliveryWorker
from bot.core import Core

CHANNELS = 10_000
PER_GUILD = 500  # Discord's channel limit per guild
CONCURRENCIES = (16, 64)
BARE_CONCURRENCY = 64
GUILD_BASE, CHANNEL_BASE = 10_000, 1_000_000


def discord_fake(channels: int) -> tuple[Any, list[int]]:
    from tests.fakes.discord_api import FakeDiscord

    fake = FakeDiscord(token=DISCORD_TOKEN)
    fake.record_requests = False
    ids = []
    for n in range(channels):
        if n % PER_GUILD == 0:
            guild = fake.add_guild(GUILD_BASE + n // PER_GUILD, f"Guild {n // PER_GUILD}")
        channel_id = CHANNEL_BASE + n
        guild.add_channel(channel_id, f"news-{n}")
        ids.append(channel_id)
    return fake, ids


@contextlib.asynccontextmanager
async def discord_sender(core: Core) -> AsyncIterator[tuple[Any, str]]:
    """(the bot's Discord sender, which client path) — the DiscordFrontend if it starts."""
    from bot.commands import build_router

    try:
        from bot.frontends.on_discord.app import DiscordFrontend

        frontend = DiscordFrontend(core, build_router(core), guild_ready_timeout=0.05)
        await frontend.start()
    except Exception as exc:  # the front-end is still being written: fall back, and say so
        print(f"note: DiscordFrontend unusable ({type(exc).__name__}: {exc}); using a plain discord.Client")
        async with _plain_client(core) as sender:
            yield sender, "DiscordSender on plain discord.Client"
        return
    try:
        yield frontend.sender, "DiscordFrontend.sender"
    finally:
        await frontend.stop()


@contextlib.asynccontextmanager
async def _plain_client(core: Core) -> AsyncIterator[Any]:
    import discord
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    from bot.frontends.on_discord.sender import DiscordSender

    s = core.settings
    old = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = f"{s.discord_api_url}/v10", yarl.URL(s.discord_gateway_url)
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    ready = asyncio.Event()
    client.event(_on_ready(ready))
    task = asyncio.create_task(client.start(s.discord_token))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        yield DiscordSender(client)
    finally:
        await client.close()
        await asyncio.wait({task}, timeout=5)
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old


def _on_ready(ready: asyncio.Event) -> Any:
    async def on_ready() -> None:
        ready.set()

    return on_ready


async def bot_fanout(folder: Path, fake: Any, ids: list[int], concurrency: int) -> dict[str, Any]:
    settings = temp_settings(folder, discord_token=DISCORD_TOKEN, discord_api_url=fake.api_root,
                             discord_gateway_url=fake.gateway_url, discord_concurrency=concurrency)
    async with open_core(settings) as core:
        await write_subscriptions(core, "discord", ids)
        assert await queue_one_broadcast(core) == len(ids)
        async with discord_sender(core) as (sender, path):
            worker = DeliveryWorker(core, {"discord": sender}, unlimited("discord"),
                                    concurrency={"discord": concurrency}, lease_seconds=settings.lease_seconds)
            before = _count(fake)
            started = time.perf_counter()
            await worker.run_once()
            seconds = time.perf_counter() - started
            await worker.release()
        statuses = await delivered_count(core)
    arrived = _count(fake) - before
    assert arrived == len(ids) and statuses.get("sent") == len(ids), (arrived, statuses)
    return {"seconds": seconds, "rate": len(ids) / seconds, "path": path}


def _count(fake: Any) -> int:
    return sum(len(v) for v in fake.messages.values())


def bare_body() -> dict[str, Any]:
    """The JSON the bot's renderer produces for the broadcast (embeds, no mentions)."""
    from bot.frontends.on_discord.render import render

    part = render(alert_reply("broadcast", {"text": BROADCAST_TEXT}), embeds=True)[0]
    body: dict[str, Any] = {"embeds": [e.to_dict() for e in part.embeds], "allowed_mentions": {"parse": []}}
    if part.content:
        body["content"] = part.content
    return body


async def bare_fanout(fake: Any, ids: list[int]) -> dict[str, Any]:
    body = bare_body()
    calls = [(f"{fake.api_root}/v10/channels/{c}/messages", body) for c in ids]
    before = _count(fake)
    seconds, failures = await bare_post_all(calls, BARE_CONCURRENCY, {"Authorization": f"Bot {DISCORD_TOKEN}"})
    assert failures == 0 and _count(fake) - before == len(ids), failures
    return {"seconds": seconds, "rate": len(ids) / seconds}


async def main() -> list[list[Any]]:
    header(f"Discord fan-out: one broadcast to {CHANNELS:,} channels in {CHANNELS // PER_GUILD} guilds (limits off)")
    logging.getLogger("discord").setLevel(logging.ERROR)  # no "PyNaCl is not installed" noise
    fake, ids = discord_fake(CHANNELS)
    await fake.start()
    rows: list[list[Any]] = []
    try:
        bare = await bare_fanout(fake, ids)
        with temp_dir() as tmp:
            for n in CONCURRENCIES:
                result = await bot_fanout(tmp / f"c{n}", fake, ids, n)
                rows.append([f"bot ({result['path']}), concurrency {n}", CHANNELS, result["seconds"],
                             result["rate"], result["rate"] / bare["rate"]])
    finally:
        await fake.close()
    rows.append([f"bare aiohttp, concurrency {BARE_CONCURRENCY}", CHANNELS, bare["seconds"], bare["rate"], 1.0])
    table(["path", "messages", "seconds", "msgs/s", "vs bare"], rows)
    print("goals: >= 1,000 msgs/s; bot/bare >= 0.5")
    return rows


if __name__ == "__main__":
    run(main)
