"""Telegram pacing with real limits: 1,000 deliveries to 1,000 private chats.

FakeTelegram enforces Telegram's documented limits (30 msgs/s overall, 1/s per private
chat) and answers 429 beyond them; the bot paces with its own RateLimiter built as the
service builds it (`bot.service.telegram_limits(settings)`: 30/s, 1/s private, 20/min group).
Prints the achieved rate as a percent of 30/s and how many 429s the fake sent.
Goal to compare with: within 5 % of the limit, no 429. Takes ~35 s.

    .venv/bin/python -m bench.telegram_limits
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.common import (
    TELEGRAM_TOKEN,
    header,
    open_core,
    queue_one_broadcast,
    run,
    table,
    telegram_bot,
    telegram_fake,
    temp_dir,
    temp_settings,
    write_subscriptions,
)
from bot.alerts.limiter import RateLimiter
from bot.alerts.worker import DeliveryWorker
from bot.frontends.on_telegram.sender import TelegramSender
from bot.service import telegram_limits

CHATS = 1000
LIMIT = 30.0
TIMEOUT = 120.0


async def main() -> list[list[Any]]:
    header(f"Telegram pacing under real limits: {CHATS:,} chats, fake enforces 30/s and 1/s per chat")
    fake = telegram_fake(CHATS, record_calls=False, enforce_limits=True)
    root = await fake.start()
    try:
        with temp_dir() as tmp:
            settings = temp_settings(tmp, telegram_token=TELEGRAM_TOKEN, telegram_api_url=root)
            async with open_core(settings) as core:
                await write_subscriptions(core, "telegram", range(1, CHATS + 1))
                await queue_one_broadcast(core)
                async with telegram_bot(core) as bot:
                    limiter = RateLimiter(telegram_limits(settings))
                    worker = DeliveryWorker(
                        core,
                        {"telegram": TelegramSender(bot)},
                        {"telegram": limiter},
                        concurrency={"telegram": settings.telegram_concurrency},
                    )
                    started = time.perf_counter()
                    while len(fake.sent) < CHATS and time.perf_counter() - started < TIMEOUT:
                        await worker.run_once()  # a 429 reschedules rows: keep going until all arrived
                        if len(fake.sent) < CHATS:
                            await asyncio.sleep(0.05)
                    seconds = time.perf_counter() - started
                    await worker.release()
    finally:
        await fake.close()
    sent = len(fake.sent)
    rate = sent / seconds
    steady = (sent - 1) / seconds  # n messages span n-1 intervals
    rows = [
        [
            "bot (RateLimiter 30/s, 1/s private)",
            sent,
            seconds,
            rate,
            100 * rate / LIMIT,
            100 * steady / LIMIT,
            fake.too_many_requests,
        ]
    ]
    table(["path", "delivered", "seconds", "msgs/s", "% of 30/s", "% (n-1 intervals)", "429s"], rows)
    print("goal: within 5 % of 30/s (>= 28.5/s), no 429; limiter paces at SAFETY x limit")
    return rows


if __name__ == "__main__":
    run(main)
