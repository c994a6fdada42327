"""Telegram fan-out: one broadcast to 10,000 private chats through the bot's delivery path.

End to end: outbox claim → DeliveryWorker → the real TelegramSender on the project's
configured python-telegram-bot Bot (its real HTTP transport) → FakeTelegram on 127.0.0.1
(limits off, calls not recorded) → outcomes written back. Beside it, in the same run, a bare
aiohttp client posts the same 10,000 sendMessage calls (concurrency 64, one session).
Several worker concurrencies are tried (settings.telegram_concurrency, as the service does).
Goals to compare with: >= 1,000 msgs/s and bot/bare >= 0.5.

    .venv/bin/python -m bench.telegram_fanout
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import (
    TELEGRAM_TOKEN, alert_html, bare_post_all, delivered_count, header, open_core, queue_one_broadcast,
    run, table, telegram_bot, telegram_fake, temp_dir, temp_settings, unlimited, write_subscriptions,
)
from bot.alerts.worker import DeliveryWorker
from bot.frontends.on_telegram.sender import TelegramSender

CHATS = 10_000
CONCURRENCIES = (16, 32, 64)
BARE_CONCURRENCY = 64


async def bot_fanout(folder: Path, fake: Any, root: str, concurrency: int, chats: int = CHATS) -> dict[str, Any]:
    """Time DeliveryWorker.run_once() delivering one broadcast to ``chats`` subscriptions."""
    settings = temp_settings(folder, telegram_token=TELEGRAM_TOKEN, telegram_api_url=root,
                             telegram_concurrency=concurrency)
    async with open_core(settings) as core:
        await write_subscriptions(core, "telegram", range(1, chats + 1))
        queued = await queue_one_broadcast(core)
        assert queued == chats, queued
        async with telegram_bot(core) as bot:
            worker = DeliveryWorker(core, {"telegram": TelegramSender(bot)}, unlimited("telegram"),
                                    concurrency={"telegram": concurrency}, lease_seconds=settings.lease_seconds)
            before = len(fake.sent)
            started = time.perf_counter()
            attempted = await worker.run_once()
            seconds = time.perf_counter() - started
            await worker.release()
        statuses = await delivered_count(core)
    arrived = len(fake.sent) - before
    assert arrived == chats and statuses.get("sent") == chats, (arrived, statuses)
    return {"seconds": seconds, "attempted": attempted, "rate": chats / seconds}


async def bare_fanout(fake: Any, root: str, chats: int = CHATS) -> dict[str, Any]:
    html, _ = alert_html()
    url = f"{root}/bot{TELEGRAM_TOKEN}/sendMessage"
    bodies = [(url, {"chat_id": c, "text": html, "parse_mode": "HTML",
                     "link_preview_options": {"is_disabled": True}}) for c in range(1, chats + 1)]
    before = len(fake.sent)
    seconds, failures = await bare_post_all(bodies, BARE_CONCURRENCY)
    assert failures == 0 and len(fake.sent) - before == chats, failures
    return {"seconds": seconds, "rate": chats / seconds}


async def main(concurrencies: tuple[int, ...] = CONCURRENCIES) -> list[list[Any]]:
    header(f"Telegram fan-out: one broadcast to {CHATS:,} private chats (limits off)")
    fake = telegram_fake(CHATS, record_calls=False)
    root = await fake.start()
    rows: list[list[Any]] = []
    try:
        bare = await bare_fanout(fake, root)
        with temp_dir() as tmp:
            for n in concurrencies:
                result = await bot_fanout(tmp / f"c{n}", fake, root, n)
                rows.append([f"bot, worker concurrency {n}", CHATS, result["seconds"], result["rate"],
                             result["rate"] / bare["rate"]])
        bare2 = await bare_fanout(fake, root)  # again: the bare rate should not drift over the run
    finally:
        await fake.close()
    rows.append([f"bare aiohttp, concurrency {BARE_CONCURRENCY}", CHATS, bare["seconds"], bare["rate"], 1.0])
    rows.append([f"bare aiohttp again (drift check)", CHATS, bare2["seconds"], bare2["rate"],
                 bare2["rate"] / bare["rate"]])
    table(["path", "messages", "seconds", "msgs/s", "vs bare"], rows)
    print("goals: >= 1,000 msgs/s; bot/bare >= 0.5")
    return rows


if __name__ == "__main__":
    run(main)
