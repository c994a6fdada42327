"""Health, readiness and metrics over real HTTP on loopback, and the server's listen address."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.web.health import Readiness
from bot.web.metrics import Metrics
from bot.web.ports import Check
from bot.web.server import READINESS, ListenError, WebServer, build_app, parse_listen
from tests.fakes.operations_view import InMemoryOperations, delivery, running, subscription


async def _get(url: str) -> tuple[int, str, aiohttp.typedefs.LooseHeaders]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text(), response.headers


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_healthz_answers_without_touching_the_view():
    view = InMemoryOperations(broken=RuntimeError("disk gone"))
    async with running(build_app(view, Metrics())) as url:
        status, body, headers = await _get(url + "/healthz")
    assert status == 200 and '"ok"' in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]


async def test_readyz_is_200_when_every_check_passes():
    async with running(build_app(InMemoryOperations(), Metrics())) as url:
        status, body, _ = await _get(url + "/readyz")
    assert status == 200
    assert '"ready"' in body


@pytest.mark.parametrize("failing", ["database", "telegram", "delivery", "content"])
async def test_readyz_names_each_failing_check(failing: str):
    view = InMemoryOperations()
    view.checks[failing] = (False, f"{failing} is down")
    async with running(build_app(view, Metrics())) as url:
        async with aiohttp.ClientSession() as http, http.get(url + "/readyz") as response:
            status, body = response.status, await response.json()
    assert status == 503
    assert body["failing"] == {failing: f"{failing} is down"}


async def test_readyz_reports_the_database_when_the_checks_cannot_run():
    view = InMemoryOperations(broken=OSError("unable to open database file"))
    async with running(build_app(view, Metrics())) as url:
        async with aiohttp.ClientSession() as http, http.get(url + "/readyz") as response:
            status, body = response.status, await response.json()
    assert status == 503
    assert list(body["failing"]) == ["database"]
    assert "cannot be read" in body["failing"]["database"]


class HangingView(InMemoryOperations):
    """A database locked by someone else: the read never returns."""

    async def readiness(self):
        await asyncio.Event().wait()
        return [Check("database", True)]


async def test_readyz_gives_up_on_a_database_that_does_not_answer():
    async with running(build_app(HangingView(), Metrics(), read_timeout=0.05)) as url:
        async with aiohttp.ClientSession() as http, http.get(url + "/readyz") as response:
            status, body = response.status, await response.json()
    assert status == 503 and "no answer" in body["failing"]["database"]


async def test_readyz_answers_from_the_latest_background_check():
    view = InMemoryOperations()
    app = build_app(view, Metrics(), ready_interval=3600)
    async with running(app) as url:
        view.checks["telegram"] = (False, "not connected")
        status, _, _ = await _get(url + "/readyz")
        assert status == 200  # a probe reads no database: it sees the last completed check
        await app[READINESS].refresh()  # what the background task does every couple of seconds
        status, body, _ = await _get(url + "/readyz")
        assert status == 503 and "not connected" in body


async def test_readiness_fails_when_its_checks_stop_completing():
    now = [100.0]
    readiness = Readiness(InMemoryOperations(), interval=2.0, read_timeout=1.0, clock=lambda: now[0])
    assert not readiness.current()[0].ok  # nothing has run yet
    await readiness.refresh()
    assert all(c.ok for c in readiness.current())
    now[0] += 6.9
    assert all(c.ok for c in readiness.current())
    now[0] += 0.2
    [stale] = readiness.current()
    assert not stale.ok and stale.name == "readiness" and "7 s" in stale.detail


async def test_metrics_count_what_the_service_reports_and_gauge_the_overview():
    metrics = Metrics(commands=["status", "latest", "subscribe"])
    metrics.command_handled("status", "telegram", "ok", 0.02)
    metrics.command_handled("/Status", "telegram", "ok", 0.3)
    metrics.command_handled("latest", "discord", "error", 0.001)
    metrics.command_handled("made-up-command-12345", "discord", "usage", 0.001)
    metrics.delivery("telegram", "sent", 3)
    metrics.delivery("telegram", "rate_limited")
    metrics.delivery("discord", "failed")
    metrics.delivery("discord", "exploded")  # not an outcome we know: counted, but as "other"
    metrics.reload("ok")
    metrics.reload("error")
    metrics.feed_fetch("ok")
    view = InMemoryOperations()
    view.subscription_list += [subscription(1), subscription(2, active=False), subscription(3, "discord")]
    view.pending += [delivery(1, "pending", age=90), delivery(2, "pending", age=30)]
    view.stalled = "no progress for 400 s"
    async with running(build_app(view, metrics)) as url:
        status, body, headers = await _get(url + "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=")
    s = _samples(body)
    assert s[("briefing_bot_commands_total", (("command", "status"), ("outcome", "ok"), ("platform", "telegram")))] == 2
    assert (
        s[("briefing_bot_commands_total", (("command", "latest"), ("outcome", "error"), ("platform", "discord")))] == 1
    )
    assert (
        s[("briefing_bot_commands_total", (("command", "other"), ("outcome", "usage"), ("platform", "discord")))] == 1
    )
    assert s[("briefing_bot_command_duration_seconds_count", (("platform", "telegram"),))] == 2
    assert s[("briefing_bot_command_duration_seconds_bucket", (("le", "0.025"), ("platform", "telegram")))] == 1
    assert s[("briefing_bot_deliveries_total", (("outcome", "sent"), ("platform", "telegram")))] == 3
    assert s[("briefing_bot_deliveries_total", (("outcome", "rate_limited"), ("platform", "telegram")))] == 1
    assert s[("briefing_bot_deliveries_total", (("outcome", "failed"), ("platform", "discord")))] == 1
    assert s[("briefing_bot_deliveries_total", (("outcome", "other"), ("platform", "discord")))] == 1
    assert s[("briefing_bot_content_reloads_total", (("outcome", "error"),))] == 1
    assert s[("briefing_bot_feed_fetches_total", (("outcome", "ok"),))] == 1
    assert s[("briefing_bot_outbox_depth", ())] == 2
    assert s[("briefing_bot_outbox_oldest_pending_age_seconds", ())] == 90
    assert s[("briefing_bot_delivery_stalled", ())] == 1
    assert s[("briefing_bot_subscriptions", (("platform", "telegram"), ("state", "active")))] == 1
    assert s[("briefing_bot_subscriptions", (("platform", "telegram"), ("state", "inactive")))] == 1
    assert s[("briefing_bot_subscriptions", (("platform", "discord"), ("state", "active")))] == 1
    assert s[("briefing_bot_last_delivery_timestamp_seconds", ())] == view.now - 30
    assert s[("briefing_bot_last_refresh_timestamp_seconds", ())] == view.now - 300


async def test_metrics_speak_openmetrics_to_a_scraper_that_asks_for_it():
    metrics = Metrics()
    metrics.reload("ok")
    async with running(build_app(InMemoryOperations(), metrics)) as url:
        async with (
            aiohttp.ClientSession() as http,
            http.get(url + "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}) as response,
        ):
            body = await response.text()
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    assert body.rstrip().endswith("# EOF") and "briefing_bot_content_reloads_total" in body


def test_metric_labels_stay_bounded_whatever_the_callers_pass():
    metrics = Metrics()  # no command list: free-form names, but a bounded number of them
    for n in range(500):
        metrics.command_handled(f"cmd{n}", "telegram", "ok", 0.0)
    metrics.command_handled("-1001234567890", "telegram", "ok", 0.0)  # an id never becomes a label
    commands = {
        s.labels["command"]
        for f in text_string_to_metric_families(metrics.render()[0].decode())
        for s in f.samples
        if s.name == "briefing_bot_commands_total"
    }
    assert len(commands) <= 51 and "other" in commands
    assert not any(c.lstrip("-").isdigit() for c in commands)


async def test_metrics_still_serve_counters_when_the_database_cannot_be_read():
    metrics = Metrics()
    metrics.delivery("telegram", "sent")
    view = InMemoryOperations(broken=OSError("database is locked"))
    async with running(build_app(view, metrics)) as url:
        status, body, _ = await _get(url + "/metrics")
    s = _samples(body)
    assert status == 200
    assert s[("briefing_bot_deliveries_total", (("outcome", "sent"), ("platform", "telegram")))] == 1
    assert ("briefing_bot_outbox_depth", ()) not in s


def test_listen_addresses_parse_or_say_which_setting_is_wrong():
    assert parse_listen("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert parse_listen("[::1]:0") == ("::1", 0)
    assert parse_listen("off") is None
    for bad in ("8080", "localhost", "host:port", "1.2.3.4:70000"):
        with pytest.raises(ListenError, match="BOT_HTTP_LISTEN"):
            parse_listen(bad)


async def test_a_taken_port_stops_start_up_with_one_line_naming_the_setting():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = WebServer(build_app(InMemoryOperations(), Metrics()))
        with pytest.raises(ListenError) as raised:
            await server.start(("127.0.0.1", port))
    assert "BOT_HTTP_LISTEN=127.0.0.1:" in str(raised.value) and "\n" not in str(raised.value)


async def test_port_zero_returns_the_address_actually_bound():
    server = WebServer(build_app(InMemoryOperations(), Metrics()))
    address = await server.start(("127.0.0.1", 0))
    try:
        host, port = address.rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) > 0
        status, _, _ = await _get(f"http://{address}/healthz")
        assert status == 200
    finally:
        await server.stop()
