"""`/healthz`, `/readyz` and `/metrics` latency while a 10,000-chat Telegram fan-out runs (issue #13).

Same process and event loop, as in the service: the real Core and DeliveryWorker sending
through the project's Bot to FakeTelegram (limits off), the operations HTTP server on
127.0.0.1, and an aiohttp client asking for each endpoint in turn every 5 ms until the
fan-out ends. The same probe with no fan-out runs first as the baseline. The view behind
the server reads the real database (overview and readiness only; see `CoreReadView`).

    .venv/bin/python -m bench.web_under_load
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from bench.common import (
    LATENCY_HEADERS,
    TELEGRAM_TOKEN,
    copy_bundled,
    header,
    latency_row,
    open_core,
    queue_one_broadcast,
    run,
    table,
    telegram_bot,
    telegram_fake,
    temp_dir,
    temp_settings,
    unlimited,
    write_subscriptions,
)
from bot.alerts.worker import DeliveryWorker
from bot.core import Core
from bot.frontends.on_telegram.sender import TelegramSender
from bot.web.metrics import Metrics
from bot.web.ports import Check, Overview, PlatformSubscriptions
from bot.web.server import WebServer, build_app

CHATS = 10_000
INTERVAL = 0.005
BASELINE_SECONDS = 3.0
PATHS = ("/healthz", "/readyz", "/metrics")


class CoreReadView:
    """The reads /readyz and /metrics need, from the current Core's repositories (no new SQL).

    A sketch for the real OperationsView: per-platform counts need a repository query, so
    every subscription is reported under "all" here.
    """

    def __init__(self, core: Core):
        self.core = core

    async def _stamp(self, key: str) -> float | None:
        raw = await self.core.state.get(key)
        return float(raw) if raw else None

    async def overview(self) -> Overview:
        core = self.core
        now = core.clock()
        stats = await core.outbox.stats(now)
        active, inactive = await core.subscriptions.counts()
        return Overview(
            now=now,
            briefings=await core.briefings.count(),
            subscriptions=(PlatformSubscriptions("all", active, inactive),),
            pending=stats.pending,
            oldest_pending_at=stats.oldest_pending_at,
            sent_last_hour=stats.sent_last_hour,
            failed_last_hour=stats.failed_last_hour,
            stalled=await core.state.get("delivery_stalled") or None,
            failing_feeds=(),
            last_delivery_at=await self._stamp("last_delivery_at"),
            last_refresh_at=await self._stamp("last_refresh_at"),
            started_at=core.started_at,
        )

    async def readiness(self) -> list[Check]:
        briefings = await self.core.briefings.count()
        stalled = await self.core.state.get("delivery_stalled")
        return [
            Check("database", True),
            Check("content", briefings > 0, "" if briefings else "never loaded"),
            Check("delivery", not stalled, stalled or ""),
        ]


async def probe(http: aiohttp.ClientSession, base: str, stop: asyncio.Event) -> dict[str, list[float]]:
    """Latency per path in seconds: one request every INTERVAL, the paths in turn, until stop."""
    samples: dict[str, list[float]] = {path: [] for path in PATHS}
    clock = time.perf_counter
    due = clock()
    turn = 0
    while not stop.is_set():
        path = PATHS[turn % len(PATHS)]
        turn += 1
        started = clock()
        async with http.get(base + path) as response:
            await response.read()
            assert response.status == 200, (path, response.status)
        samples[path].append(clock() - started)
        due = max(due + INTERVAL, clock())
        await asyncio.sleep(max(0.0, due - clock()))
    return samples


async def main() -> list[list[Any]]:
    header(f"/healthz, /readyz, /metrics latency while a {CHATS:,}-chat Telegram fan-out runs (same event loop)")
    fake = telegram_fake(CHATS, record_calls=False)
    root = await fake.start()
    try:
        with temp_dir() as tmp:
            settings = temp_settings(tmp, telegram_token=TELEGRAM_TOKEN, telegram_api_url=root)
            copy_bundled(settings.content_dir)
            async with open_core(settings) as core:
                await core.reload()
                server = WebServer(build_app(CoreReadView(core), Metrics()))  # type: ignore[arg-type]
                base = "http://" + await server.start(("127.0.0.1", 0))
                try:
                    async with aiohttp.ClientSession() as http:
                        stop = asyncio.Event()
                        idle_task = asyncio.create_task(probe(http, base, stop))
                        await asyncio.sleep(BASELINE_SECONDS)
                        stop.set()
                        idle = await idle_task
                        await write_subscriptions(core, "telegram", range(1, CHATS + 1))
                        await queue_one_broadcast(core)
                        async with telegram_bot(core) as bot:
                            worker = DeliveryWorker(
                                core,
                                {"telegram": TelegramSender(bot)},
                                unlimited("telegram"),
                                concurrency={"telegram": settings.telegram_concurrency},
                            )
                            stop = asyncio.Event()
                            busy_task = asyncio.create_task(probe(http, base, stop))
                            started = time.perf_counter()
                            sent = await worker.run_once()
                            seconds = time.perf_counter() - started
                            stop.set()
                            busy = await busy_task
                            await worker.release()
                finally:
                    await server.stop()
    finally:
        await fake.close()
    assert sent == CHATS, sent
    rows = []
    for path in PATHS:
        rows.append(latency_row(f"{path}, idle", idle[path]))
        rows.append(latency_row(f"{path}, during fan-out", busy[path]))
    table(LATENCY_HEADERS, rows)
    for path in PATHS:
        ratio = sorted(busy[path])[len(busy[path]) // 2] / sorted(idle[path])[len(idle[path]) // 2]
        print(f"{path}: median during fan-out / idle = {ratio:.1f}x")
    print(f"fan-out: {CHATS:,} messages in {seconds:.2f} s ({CHATS / seconds:,.0f} msgs/s)")
    return rows


if __name__ == "__main__":
    run(main)
