"""Command latency under load: /summary every ~5 ms while a 10,000-chat Telegram fan-out runs.

Same process and event loop: the DeliveryWorker with the real TelegramSender on the project's
Bot (default worker concurrency from settings) and a probe task dispatching /summary through
the router every 5 ms until the fan-out ends; FakeTelegram (limits off) runs in a child
process, as Telegram is not in the bot's process either. The same probe without the fan-out
runs first as the baseline. Twice: with Python's default gc, then after
`settle_garbage_collector()` (what the service calls once started). Also printed: event-loop
lag (how late the probe woke). Goals: p99 under load < 10 ms, max < 50 ms.

    .venv/bin/python -m bench.latency_under_load
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from bench.common import (
    LATENCY_HEADERS,
    TELEGRAM_TOKEN,
    copy_bundled,
    header,
    latency_row,
    open_core,
    queue_one_broadcast,
    run,
    settled_gc,
    table,
    telegram_bot,
    temp_dir,
    temp_settings,
    unlimited,
    write_subscriptions,
)
from bench.fake_process import FakeInChild
from bot.alerts.worker import DeliveryWorker
from bot.commands.catalog import build_router
from bot.commands.context import Caller
from bot.commands.router import CommandRouter
from bot.core import Core
from bot.frontends.on_telegram.sender import TelegramSender

CHATS = 10_000
INTERVAL = 0.005
BASELINE_SECONDS = 3.0
CALLER = Caller(platform="telegram", chat_id=99_999, user_id=99_999)


async def probe(router: CommandRouter, stop: asyncio.Event) -> tuple[list[float], list[float]]:
    """(dispatch latencies, wake-up lateness) in seconds, one /summary per INTERVAL until stop."""
    latencies: list[float] = []
    lags: list[float] = []
    clock = time.perf_counter
    due = clock()
    while not stop.is_set():
        started = clock()
        lags.append(max(0.0, started - due))
        reply = await router.dispatch(CALLER, "summary", "")
        latencies.append(clock() - started)
        assert reply.ok
        due = max(due + INTERVAL, clock())
        await asyncio.sleep(max(0.0, due - clock()))
    return latencies, lags


async def baseline(router: CommandRouter) -> tuple[list[float], list[float]]:
    stop = asyncio.Event()
    task = asyncio.create_task(probe(router, stop))
    await asyncio.sleep(BASELINE_SECONDS)
    stop.set()
    return await task


async def under_load(
    core: Core, router: CommandRouter, sender: TelegramSender, fake: FakeInChild, concurrency: int
) -> tuple[list[float], list[float], float]:
    """Queue one broadcast to every chat and probe /summary until it is delivered."""
    await queue_one_broadcast(core)
    worker = DeliveryWorker(core, {"telegram": sender}, unlimited("telegram"), concurrency={"telegram": concurrency})
    before = await fake.accepted()
    stop = asyncio.Event()
    probing = asyncio.create_task(probe(router, stop))
    started = time.perf_counter()
    sent = await worker.run_once()
    seconds = time.perf_counter() - started
    stop.set()
    busy, busy_lag = await probing
    await worker.release()
    arrived = await fake.accepted() - before
    assert sent == CHATS and arrived == CHATS, (sent, arrived)
    return busy, busy_lag, seconds


async def main() -> list[list[Any]]:
    header(f"/summary latency while a {CHATS:,}-chat Telegram fan-out runs (same event loop; fake in a child process)")
    rows: list[list[Any]] = []
    async with FakeInChild("telegram", CHATS) as fake:
        with temp_dir() as tmp:
            settings = temp_settings(tmp, telegram_token=TELEGRAM_TOKEN, telegram_api_url=fake.root)
            copy_bundled(settings.content_dir)
            concurrency = settings.telegram_concurrency
            async with open_core(settings) as core:
                await core.reload()
                router = build_router(core)
                for _ in range(200):  # warm-up
                    await router.dispatch(CALLER, "summary", "")
                await write_subscriptions(core, "telegram", range(1, CHATS + 1))
                async with telegram_bot(core) as bot:
                    sender = TelegramSender(bot)
                    runs = (("default gc", contextlib.nullcontext()), ("gc settled", settled_gc()))
                    for gc_label, gc_settings in runs:
                        with gc_settings:  # settled: what the service does once started
                            idle, _idle_lag = await baseline(router)
                            busy, busy_lag, seconds = await under_load(core, router, sender, fake, concurrency)
                        rows += [
                            latency_row(f"/summary, idle, {gc_label}", idle),
                            latency_row(f"/summary, during fan-out, {gc_label}", busy),
                            latency_row(f"loop lag, during fan-out, {gc_label}", busy_lag),
                        ]
                        print(
                            f"fan-out with {gc_label}: {CHATS:,} messages in {seconds:.2f} s "
                            f"({CHATS / seconds:,.0f} msgs/s, worker concurrency {concurrency})"
                        )
    table(LATENCY_HEADERS, rows)
    print("goal: /summary during the fan-out p99 < 10 ms, max < 50 ms")
    return rows


if __name__ == "__main__":
    run(main)
