"""Command latency under load: /summary every ~5 ms while a 10,000-chat Telegram fan-out runs.

Same process and event loop: FakeTelegram (limits off), the DeliveryWorker with the real
TelegramSender on the project's Bot (default worker concurrency from settings), and a probe
task dispatching /summary through the router every 5 ms until the fan-out ends. The same
probe without the fan-out runs first as the baseline. Also printed: event-loop lag (how late
the probe woke). Goal to compare with: p99 under load < 50 ms.

    .venv/bin/python -m bench.latency_under_load
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.common import (
    LATENCY_HEADERS, TELEGRAM_TOKEN, copy_bundled, header, latency_row, open_core, queue_one_broadcast, run,
    table, telegram_bot, telegram_fake, temp_dir, temp_settings, unlimited, write_subscriptions,
)
from bot.alerts.worker import DeliveryWorker
from bot.commands import Caller, CommandRouter, build_router
from bot.frontends.on_telegram.sender import TelegramSender

CHATS = 10_000
INTERVAL = 0.005
BASELINE_SECONDS = 3.0
CALLER = Caller(platform="telegram", chat_id=99_999, user_id=99_999, chat_kind="private")


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


async def main() -> list[list[Any]]:
    header(f"/summary latency while a {CHATS:,}-chat Telegram fan-out runs (same event loop)")
    fake = telegram_fake(CHATS, record_calls=False)
    root = await fake.start()
    try:
        with temp_dir() as tmp:
            settings = temp_settings(tmp, telegram_token=TELEGRAM_TOKEN, telegram_api_url=root)
            copy_bundled(settings.content_dir)
            async with open_core(settings) as core:
                await core.reload()
                router = build_router(core)
                for _ in range(200):  # warm-up
                    await router.dispatch(CALLER, "summary", "")
                idle, idle_lag = await baseline(router)
                await write_subscriptions(core, "telegram", range(1, CHATS + 1))
                await queue_one_broadcast(core)
                async with telegram_bot(core) as bot:
                    concurrency = settings.telegram_concurrency
                    worker = DeliveryWorker(core, {"telegram": TelegramSender(bot)}, unlimited("telegram"),
                                            concurrency={"telegram": concurrency})
                    stop = asyncio.Event()
                    probing = asyncio.create_task(probe(router, stop))
                    started = time.perf_counter()
                    sent = await worker.run_once()
                    seconds = time.perf_counter() - started
                    stop.set()
                    busy, busy_lag = await probing
                    await worker.release()
    finally:
        await fake.close()
    assert sent == CHATS and len(fake.sent) == CHATS, (sent, len(fake.sent))
    rows = [latency_row("/summary, idle", idle), latency_row("/summary, during fan-out", busy),
            latency_row("loop lag, idle", idle_lag), latency_row("loop lag, during fan-out", busy_lag)]
    table(LATENCY_HEADERS, rows)
    print(f"fan-out: {CHATS:,} messages in {seconds:.2f} s ({CHATS / seconds:,.0f} msgs/s, worker concurrency "
          f"{concurrency}); goal: p99 during fan-out < 50 ms")
    return rows


if __name__ == "__main__":
    run(main)
