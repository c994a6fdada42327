"""`python -m bot run`: every configured front-end, the alert jobs and storage on one event loop."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from contextlib import suppress
from typing import NamedTuple, Protocol, runtime_checkable

from bot.alerts.jobs import AlertJobs
from bot.alerts.limiter import Limits, RateLimiter
from bot.alerts.worker import DeliveryWorker, Sender
from bot.commands.catalog import build_router
from bot.commands.router import CommandRouter
from bot.core import Core
from bot.errors import StartupError
from bot.fleet import DISCORD_GATEWAY, TELEGRAM_POLLING, Fleet
from bot.operations import Connected, CoreOperations
from bot.settings import Settings
from bot.web.metrics import Metrics
from bot.web.server import ListenError, WebServer, build_app, parse_listen
from storage import DatabaseUnavailable

log = logging.getLogger(__name__)

STOP_TIMEOUT = 8.0  # SIGTERM must end the process within 10 s


PAID_BROADCAST_PER_SECOND = 1000.0


def telegram_limits(s: Settings) -> Limits:
    """Telegram's limits; paid broadcasts (allow_paid_broadcast, billed in Stars) lift the overall one."""
    overall = (
        max(s.telegram_per_second, PAID_BROADCAST_PER_SECOND) if s.telegram_paid_broadcast else s.telegram_per_second
    )
    return Limits(overall, s.telegram_private_per_second, s.telegram_group_per_minute)


def discord_limits(s: Settings) -> Limits:
    return Limits(s.discord_per_second)


class Frontend(Protocol):
    platform: str

    @property
    def connected(self) -> bool: ...

    async def stop(self) -> None: ...


@runtime_checkable
class Polling(Protocol):
    """Telegram: long polling, held by one process of several."""

    async def start_polling(self) -> None: ...

    async def stop_polling(self) -> None: ...


@runtime_checkable
class Gateway(Protocol):
    """Discord: the gateway connection, held by one process of several."""

    async def connect_gateway(self) -> None: ...

    async def disconnect_gateway(self) -> None: ...


class Started(NamedTuple):
    """What `start_frontends` started, keyed by platform name where it matters."""

    frontends: list[Frontend]
    senders: dict[str, Sender]
    limiters: dict[str, RateLimiter]
    concurrency: dict[str, int]


async def start_frontends(core: Core, router: CommandRouter | None = None) -> Started:
    """Start each front-end whose token is set; on any failure stop those already started."""
    s = core.settings
    router = router or build_router(core)
    started = Started([], {}, {}, {})
    frontends, senders, limiters, concurrency = started
    try:
        if s.telegram_token:
            from telegram.error import InvalidToken, TelegramError

            from bot.frontends.on_telegram.app import TelegramFrontend

            telegram = TelegramFrontend(core, router)
            try:
                # Several processes on one database: only the polling leader polls (bot.fleet).
                await telegram.start(poll=not core.fleet.shared)  # closes its own sessions when it fails
            except InvalidToken:
                raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized)") from None
            except TelegramError as exc:
                raise StartupError(
                    f"cannot reach the Telegram Bot API at TELEGRAM_API_URL ({s.telegram_api_url}): {_reason(exc)}"
                ) from None
            frontends.append(telegram)
            senders["telegram"] = telegram.sender
            limiters["telegram"] = telegram.sender.pacer = RateLimiter(telegram_limits(s))
            concurrency["telegram"] = s.telegram_concurrency
        if s.discord_token:
            from bot.frontends.on_discord.app import DiscordFrontend

            discord_frontend = DiscordFrontend(core, router)
            await discord_frontend.start(connect=not core.fleet.shared)  # raises StartupError itself
            frontends.append(discord_frontend)
            senders["discord"] = discord_frontend.sender
            limiters["discord"] = RateLimiter(discord_limits(s))
            concurrency["discord"] = s.discord_concurrency
    except BaseException:
        await stop_all(frontends)
        raise
    return started


def _reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words (the transport hides URLs, which hold the token)."""
    cause = exc.__cause__
    os_error = getattr(cause, "os_error", None)
    if isinstance(os_error, OSError):
        return os_error.strerror or str(os_error)
    if cause is not None and str(cause):
        return str(cause)
    return str(exc) or type(exc).__name__


async def stop_all(frontends: list[Frontend]) -> None:
    for frontend in reversed(frontends):
        with suppress(Exception):
            await frontend.stop()


async def run_service(settings: Settings) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        core = await Core.open(settings)
    except DatabaseUnavailable as exc:
        log.error("%s", exc)
        return 1
    web: WebServer | None = None
    try:
        metrics = Metrics()
        core.on_reload = metrics.reload
        report = await core.load_if_empty()
        if report is not None:
            log.info("empty database: loaded %s", report.summary_line())
        router = build_router(core, observe=metrics.command_handled)
        started = Started([], {}, {}, {})
        try:
            # The HTTP server first: a bad BOT_HTTP_LISTEN stops start-up before anything
            # connects, and /healthz answers while the front-ends start.
            web = await start_web(core, metrics, lambda: {f.platform: f.connected for f in started.frontends})
            started = await start_frontends(core, router)
        except StartupError as exc:
            log.error("%s", exc)
            return 1
        worker = DeliveryWorker(
            core,
            started.senders,
            started.limiters,
            concurrency=started.concurrency,
            lease_seconds=settings.lease_seconds,
            claim_seconds=settings.claim_seconds,
            observe=metrics.delivery,
        )
        jobs = AlertJobs(core, worker)
        fleet = await join_fleet(core, started)
        jobs.start()
        core.feeds.observe = metrics.feed_fetch
        core.feeds.start()  # polls every feed as it falls due, sharing one fetcher and one pool of parsers
        settle_garbage_collector()
        log.info("running: %s; Ctrl-C or SIGTERM stops", ", ".join(started.senders))
        await stop.wait()
        log.info("stopping")
        try:
            await asyncio.wait_for(_shutdown(core, jobs, fleet, started.frontends), STOP_TIMEOUT)
        except TimeoutError:
            log.warning("shutdown took longer than %.0f s; exiting anyway", STOP_TIMEOUT)
        return 0
    finally:
        if web is not None:
            await web.stop()
        await core.close()


async def start_web(core: Core, metrics: Metrics, connected: Connected) -> WebServer | None:
    """Health, readiness, metrics and the dashboard at BOT_HTTP_LISTEN (None when it is off)."""
    try:
        address = parse_listen(core.settings.http_listen)
    except ListenError as exc:
        raise StartupError(str(exc)) from None
    if address is None:
        return None
    server = WebServer(
        build_app(CoreOperations(core, connected), metrics, token=core.settings.dashboard_token, clock=core.clock)
    )
    try:
        core.http_address = await server.start(address)
    except ListenError as exc:
        raise StartupError(str(exc)) from None
    return server


def settle_garbage_collector() -> None:
    """Once started: what exists now lives as long as the process, so full collections skip it
    (they took 30-340 ms with it), and young ones run per 10,000 new objects, not 700."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


async def join_fleet(core: Core, started: Started) -> Fleet:
    """Beat with the other processes on this database, and lead what only one may do."""
    fleet = Fleet(core, started.limiters.values(), delivering=bool(started.senders))
    if core.fleet.shared:
        for frontend in started.frontends:
            if isinstance(frontend, Polling) and not core.settings.telegram_webhook_url:
                fleet.add_role(TELEGRAM_POLLING, frontend.start_polling, frontend.stop_polling)
            elif isinstance(frontend, Gateway):
                fleet.add_role(DISCORD_GATEWAY, frontend.connect_gateway, frontend.disconnect_gateway)
    await fleet.start()
    return fleet


async def _shutdown(core: Core, jobs: AlertJobs, fleet: Fleet, frontends: list[Frontend]) -> None:
    await core.feeds.close()
    await jobs.stop()
    await fleet.stop()
    await stop_all(frontends)
