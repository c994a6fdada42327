"""Telegram fan-out: one broadcast to 10,000 private chats through the bot's delivery path.

End to end: outbox claim → DeliveryWorker → the real TelegramSender on the project's
configured python-telegram-bot Bot (its aiohttp transport) → FakeTelegram (limits off, calls
not recorded) served on 127.0.0.1 by a child process → outcomes written back. Beside it, in
the same run, a bare aiohttp client posts the same 10,000 sendMessage calls (concurrency 64,
one session). With the fake in another process, this process's CPU time (time.process_time,
all threads, SQLite's included) is the client's alone: "CPU µs/msg" is that per message.
Several worker concurrencies are tried (settings.telegram_concurrency, as the service does),
and the bare client at each of them too; "TelegramSender alone" calls the sender without the
outbox, to show whose CPU is whose. Every configuration runs once per round, rounds
interleaved, and each row is its median.
Goals: bot/bare >= 0.8 in throughput and <= 1.25 in CPU per message.

    .venv/bin/python -m bench.telegram_fanout
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import (
    BROADCAST_TEXT,
    TELEGRAM_TOKEN,
    alert_html,
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
    telegram_bot,
    temp_dir,
    temp_settings,
    unlimited,
    write_subscriptions,
)
from bench.fake_process import FakeInChild
from bot.alerts.compose import alert_reply
from bot.alerts.worker import DeliveryWorker
from bot.frontends.on_telegram.sender import TelegramSender

CHATS = 10_000
CONCURRENCIES = (16, 32, 64)
BARE_CONCURRENCY = 64
WARM_UP = 1000
ROUNDS = 7


async def bot_fanout(folder: Path, fake: FakeInChild, concurrency: int, chats: int = CHATS) -> dict[str, Any]:
    """Time DeliveryWorker.run_once() delivering one broadcast to ``chats`` subscriptions."""
    settings = temp_settings(
        folder, telegram_token=TELEGRAM_TOKEN, telegram_api_url=fake.root, telegram_concurrency=concurrency
    )
    async with open_core(settings) as core:
        await write_subscriptions(core, "telegram", range(1, chats + 1))
        queued = await queue_one_broadcast(core)
        assert queued == chats, queued
        async with telegram_bot(core) as bot:
            worker = DeliveryWorker(
                core,
                {"telegram": TelegramSender(bot)},
                unlimited("telegram"),
                concurrency={"telegram": concurrency},
                lease_seconds=settings.lease_seconds,
            )
            result = await measured(fake, chats, worker.run_once())
            await worker.release()
        statuses = await delivered_count(core)
    assert result["arrived"] == chats and statuses.get("sent") == chats, (result, statuses)
    return result


async def sender_fanout(folder: Path, fake: FakeInChild, concurrency: int, chats: int = CHATS) -> dict[str, Any]:
    """TelegramSender.deliver alone, ``concurrency`` at a time: the sender's share without the outbox."""
    settings = temp_settings(folder, telegram_token=TELEGRAM_TOKEN, telegram_api_url=fake.root)
    async with open_core(settings) as core, telegram_bot(core) as bot:
        reply = alert_reply("broadcast", {"text": BROADCAST_TEXT})
        result = await measured(fake, chats, deliver_all(TelegramSender(bot), range(1, chats + 1), reply, concurrency))
    assert result["value"] == chats and result["arrived"] == chats, result
    return result


async def bare_fanout(fake: FakeInChild, chats: int = CHATS, concurrency: int = BARE_CONCURRENCY) -> dict[str, Any]:
    html, _ = alert_html()
    url = f"{fake.root}/bot{TELEGRAM_TOKEN}/sendMessage"
    bodies = [
        (url, {"chat_id": c, "text": html, "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}})
        for c in range(1, chats + 1)
    ]
    result = await measured(fake, chats, bare_post_all(bodies, concurrency))
    assert result["value"][1] == 0 and result["arrived"] == chats, result
    return result


async def main(concurrencies: tuple[int, ...] = CONCURRENCIES, rounds: int = ROUNDS) -> list[list[Any]]:
    header(f"Telegram fan-out: one broadcast to {CHATS:,} private chats (limits off, fake in a child process)")
    bots: dict[tuple[str, int], list[dict[str, Any]]] = {}
    bares: dict[int, list[dict[str, Any]]] = {n: [] for n in (*concurrencies, BARE_CONCURRENCY)}
    async with FakeInChild("telegram", CHATS) as fake:
        await bare_fanout(fake, WARM_UP)  # connections, caches and the child's first requests: not counted
        with settled_gc(), temp_dir() as tmp:  # settled: what the service does once started
            for r in range(rounds):
                if r % 2 == 0:
                    for n in bares:
                        bares[n].append(await bare_fanout(fake, concurrency=n))
                for n in concurrencies:
                    runs = bots.setdefault((f"bot, worker concurrency {n}", n), [])
                    runs.append(await bot_fanout(tmp / f"r{r}c{n}", fake, n))
                alone = bots.setdefault(
                    (f"TelegramSender alone (no outbox), concurrency {BARE_CONCURRENCY}", BARE_CONCURRENCY), []
                )
                alone.append(await sender_fanout(tmp / f"r{r}sender", fake, BARE_CONCURRENCY))
                if r % 2 == 1:
                    for n in bares:
                        bares[n].append(await bare_fanout(fake, concurrency=n))
    return fanout_table([(label, n, runs) for (label, n), runs in bots.items()], bares)


if __name__ == "__main__":
    run(main)
