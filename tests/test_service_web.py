"""The service's HTTP server on the real core: readiness of real front-ends, metrics after real
commands and a real fan-out against the fake Bot API, and BOT_HTTP_LISTEN errors."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.alerts.limiter import Limits, RateLimiter
from bot.alerts.worker import DeliveryWorker
from bot.commands.catalog import build_router
from bot.errors import StartupError
from bot.service import start_frontends, start_web, stop_all
from bot.web.metrics import Metrics
from tests.fakes.telegram_api import FakeTelegram

ADMIN = 42
READERS = range(7000, 7020)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def poll(check, timeout: float = 20.0):
    """The check's truthy result, polled until a deadline (readiness refreshes in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result or loop.time() > deadline:
            return result
        await asyncio.sleep(0.05)


@pytest.fixture
async def service(core):
    async with FakeTelegram() as fake:
        for uid in (ADMIN, *READERS):
            fake.add_user(uid, f"user{uid}")
            fake.add_chat(uid, "private")
        core.settings = replace(
            core.settings, telegram_token=fake.token, telegram_api_url=fake.root, http_listen="127.0.0.1:0"
        )
        metrics = Metrics()
        core.on_reload = metrics.reload
        await core.load_if_empty()
        router = build_router(core, observe=metrics.command_handled)
        frontends: list = []
        web = await start_web(core, metrics, lambda: {f.platform: f.connected for f in frontends})
        assert web is not None
        started = await start_frontends(core, router)
        frontends.extend(started.frontends)
        await fake.wait_polling()
        worker = DeliveryWorker(core, started.senders, {"telegram": RateLimiter(Limits(0))}, observe=metrics.delivery)
        try:
            async with aiohttp.ClientSession(f"http://{core.http_address}") as http:
                yield fake, frontends, worker, http
        finally:
            await stop_all(frontends)
            await web.stop()


async def test_metrics_count_real_commands_and_a_real_fan_out(service):
    fake, _, worker, http = service
    for chat in READERS:
        fake.user_message(chat, chat, "/subscribe")
    await fake.wait_for(lambda f: all(f.sent_to(c) for c in READERS), timeout=30)
    fake.user_message(ADMIN, ADMIN, "/frobnicate")
    fake.user_message(ADMIN, ADMIN, "/broadcast sirens tonight")
    await fake.wait_sent(2, chat_id=ADMIN)
    while await worker.run_once():
        pass
    assert all(len(fake.sent_to(c)) == 2 for c in READERS)

    async with http.get("/metrics") as response:
        assert response.status == 200
        values = samples(await response.text())
    assert values[
        ("briefing_bot_commands_total", (("command", "subscribe"), ("outcome", "ok"), ("platform", "telegram")))
    ] == len(READERS)
    assert (
        values[
            ("briefing_bot_commands_total", (("command", "unknown"), ("outcome", "unknown"), ("platform", "telegram")))
        ]
        == 1
    )
    assert values[("briefing_bot_deliveries_total", (("outcome", "sent"), ("platform", "telegram")))] == len(READERS)
    assert values[("briefing_bot_subscriptions", (("platform", "telegram"), ("state", "active")))] == len(READERS)
    assert values[("briefing_bot_outbox_depth", ())] == 0
    assert values[("briefing_bot_briefings", ())] == 1
    assert values[("briefing_bot_content_reloads_total", (("outcome", "ok"),))] == 1
    assert not any("chat" in dict(labels) or "user" in dict(labels) for _, labels in values)


async def test_readiness_follows_the_front_end(service):
    _fake, frontends, _, http = service

    async def status() -> tuple[int, dict]:
        async with http.get("/readyz") as response:
            return response.status, await response.json()

    assert await poll(lambda: _is(status, 200))
    code, body = await status()
    async with http.get("/healthz") as live:
        assert live.status == 200
    await stop_all(frontends)  # Telegram goes away; the database and content stay fine
    assert await poll(lambda: _is(status, 503))
    code, body = await status()
    assert code == 503 and "telegram" in str(body) and "database" not in str(body)


async def _is(status, code: int) -> bool:
    got, _ = await status()
    return got == code


async def test_a_listen_address_in_use_is_named(core):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        core.settings = replace(core.settings, http_listen=f"127.0.0.1:{port}")
        with pytest.raises(StartupError, match="BOT_HTTP_LISTEN"):
            await start_web(core, Metrics(), dict)


async def test_off_serves_nothing(core):
    core.settings = replace(core.settings, http_listen="off")
    assert await start_web(core, Metrics(), dict) is None
