"""Discord fan-out: one broadcast to N guild channels through the bot's delivery path.

End to end: outbox claim → DeliveryWorker → the bot's DiscordSender on the DiscordFrontend's
discord.py client (logged in and connected to FakeDiscord's gateway, so channels are cached
as in production) → FakeDiscord REST on 127.0.0.1, served by a child process (limits off,
requests not recorded). Beside it, a bare aiohttp client posts the same messages
(`POST /v10/channels/{id}/messages`, `Authorization: Bot <token>`, concurrency 64, one
session), at 64 and at each worker concurrency tried. CPU per message is this process's CPU
time (the fake's is its own). Every configuration runs once per round, rounds interleaved,
and each row is its median.
Goals: bot/bare >= 0.8 in throughput and <= 1.25 in CPU per message.

    .venv/bin/python -m bench.discord_fanout
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bench.common import (
    BROADCAST_TEXT,
    DISCORD_TOKEN,
    bare_post_all,
    deliver_all,
    delivered_count,
    fanout_table,
    header,
    measured,
    open_core,
    queue_one_broadcast,
    run,
    settled_gc,
    temp_dir,
    temp_settings,
    unlimited,
    write_subscriptions,
)
from bench.fake_process import FakeInChild
from bot.alerts.compose import alert_reply
from bot.alerts.worker import DeliveryWorker
from bot.core import Core

CHANNELS = 10_000
PER_GUILD = 500  # Discord's channel limit per guild
CONCURRENCIES = (16, 64)
BARE_CONCURRENCY = 64
WARM_UP = 1000
ROUNDS = 7
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
    """(the bot's Discord sender, which client path): the DiscordFrontend, started as the service does."""
    from bot.commands.catalog import build_router
    from bot.frontends.on_discord.app import DiscordFrontend

    frontend = DiscordFrontend(core, build_router(core), guild_ready_timeout=0.05)
    await frontend.start()
    try:
        yield frontend.sender, "DiscordFrontend.sender"
    finally:
        await frontend.stop()


async def bot_fanout(folder: Path, fake: FakeInChild, concurrency: int) -> dict[str, Any]:
    settings = temp_settings(
        folder,
        discord_token=DISCORD_TOKEN,
        discord_api_url=fake.api_root,
        discord_gateway_url=fake.gateway_url,
        discord_concurrency=concurrency,
    )
    ids = fake.ids
    async with open_core(settings) as core:
        await write_subscriptions(core, "discord", ids)
        assert await queue_one_broadcast(core) == len(ids)
        async with discord_sender(core) as (sender, path):
            worker = DeliveryWorker(
                core,
                {"discord": sender},
                unlimited("discord"),
                concurrency={"discord": concurrency},
                lease_seconds=settings.lease_seconds,
            )
            result = await measured(fake, len(ids), worker.run_once())
            await worker.release()
        statuses = await delivered_count(core)
    assert result["arrived"] == len(ids) and statuses.get("sent") == len(ids), (result, statuses)
    return {**result, "path": path}


async def sender_fanout(folder: Path, fake: FakeInChild, concurrency: int) -> dict[str, Any]:
    """DiscordSender.deliver alone, ``concurrency`` at a time: the sender's share without the outbox."""
    settings = temp_settings(
        folder, discord_token=DISCORD_TOKEN, discord_api_url=fake.api_root, discord_gateway_url=fake.gateway_url
    )
    async with open_core(settings) as core, discord_sender(core) as (sender, _):
        reply = alert_reply("broadcast", {"text": BROADCAST_TEXT})
        result = await measured(fake, len(fake.ids), deliver_all(sender, fake.ids, reply, concurrency))
    assert result["value"] == len(fake.ids) and result["arrived"] == len(fake.ids), result
    return result


def bare_body() -> dict[str, Any]:
    """The JSON the bot's renderer produces for the broadcast (embeds, no mentions)."""
    from bot.frontends.on_discord.render import render

    part = render(alert_reply("broadcast", {"text": BROADCAST_TEXT}), embeds=True)[0]
    body: dict[str, Any] = {"embeds": [e.to_dict() for e in part.embeds], "allowed_mentions": {"parse": []}}
    if part.content:
        body["content"] = part.content
    return body


async def bare_fanout(fake: FakeInChild, count: int = CHANNELS, concurrency: int = BARE_CONCURRENCY) -> dict[str, Any]:
    body = bare_body()
    calls = [(f"{fake.api_root}/v10/channels/{c}/messages", body) for c in fake.ids[:count]]
    result = await measured(
        fake, len(calls), bare_post_all(calls, concurrency, {"Authorization": f"Bot {DISCORD_TOKEN}"})
    )
    assert result["value"][1] == 0 and result["arrived"] == len(calls), result
    return result


async def main(rounds: int = ROUNDS) -> list[list[Any]]:
    header(
        f"Discord fan-out: one broadcast to {CHANNELS:,} channels in {CHANNELS // PER_GUILD} guilds "
        "(limits off, fake in a child process)"
    )
    logging.getLogger("discord").setLevel(logging.ERROR)  # no "PyNaCl is not installed" noise
    bots: dict[tuple[str, int], list[dict[str, Any]]] = {}
    bares: dict[int, list[dict[str, Any]]] = {n: [] for n in (*CONCURRENCIES, BARE_CONCURRENCY)}
    async with FakeInChild("discord", CHANNELS) as fake:
        await bare_fanout(fake, WARM_UP)  # connections, caches and the child's first requests: not counted
        with settled_gc(), temp_dir() as tmp:  # settled: what the service does once started
            for r in range(rounds):
                if r % 2 == 0:
                    for n in bares:
                        bares[n].append(await bare_fanout(fake, concurrency=n))
                for n in CONCURRENCIES:
                    result = await bot_fanout(tmp / f"r{r}c{n}", fake, n)
                    bots.setdefault((f"bot ({result['path']}), concurrency {n}", n), []).append(result)
                alone = bots.setdefault(
                    (f"DiscordSender alone (no outbox), concurrency {BARE_CONCURRENCY}", BARE_CONCURRENCY), []
                )
                alone.append(await sender_fanout(tmp / f"r{r}sender", fake, BARE_CONCURRENCY))
                if r % 2 == 1:
                    for n in bares:
                        bares[n].append(await bare_fanout(fake, concurrency=n))
    return fanout_table([(label, n, runs) for (label, n), runs in bots.items()], bares)


if __name__ == "__main__":
    run(main)
