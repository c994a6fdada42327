"""`python -m bot run`: every configured front-end, the alert jobs and storage on one event loop."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from contextlib import suppress

from bot.alerts.jobs import AlertJobs
from bot.alerts.limiter import Limits, RateLimiter
from bot.alerts.worker import DeliveryWorker
from bot.commands import build_router
from bot.core import Core
from bot.settings import Settings

log = logging.getLogger(__name__)

STOP_TIMEOUT = 8.0  # SIGTERM must end the process within 10 s


class StartupError(Exception):
    """A front-end could not start (bad token, unreachable server); the message says which."""


PAID_BROADCAST_PER_SECOND = 1000.0


def telegram_limits(s: Settings) -> Limits:
    """Telegram's limits; paid broadcasts (allow_paid_broadcast, billed in Stars) lift the overall one."""
    overall = max(s.telegram_per_second, PAID_BROADCAST_PER_SECOND) if s.telegram_paid_broadcast else s.telegram_per_second
    return Limits(overall, s.telegram_private_per_second, s.telegram_group_per_minute)


def discord_limits(s: Settings) -> Limits:
    return Limits(s.discord_per_second)


async def start_frontends(core: Core) -> tuple[list, dict, dict, dict]:
    """Start each front-end whose token is set; returns (front-ends, senders, limiters, concurrency)."""
    s = core.settings
    router = build_router(core)
    frontends, senders, limiters, concurrency = [], {}, {}, {}
    try:
        if s.telegram_token:
            from bot.frontends.on_telegram.app import TelegramFrontend
            from telegram.error import InvalidToken, TelegramError

            telegram = TelegramFrontend(core, router)
            try:
                await telegram.start()
            except InvalidToken:
                raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized)") from None
            except TelegramError as exc:
                raise StartupError(f"cannot reach the Telegram Bot API at TELEGRAM_API_URL: {exc}") from None
            frontends.append(telegram)
            senders["telegram"] = telegram.sender
            limiters["telegram"] = RateLimiter(telegram_limits(s))
            concurrency["telegram"] = s.telegram_concurrency
        if s.discord_token:
            from bot.frontends.on_discord.app import DiscordFrontend

            discord_frontend = DiscordFrontend(core, router)
            await discord_frontend.start()  # raises StartupError itself
            frontends.append(discord_frontend)
            senders["discord"] = discord_frontend.sender
            limiters["discord"] = RateLimiter(discord_limits(s))
            concurrency["discord"] = s.discord_concurrency
    except BaseException:
        await stop_all(frontends)
        raise
    return frontends, senders, limiters, concurrency


async def stop_all(frontends: list) -> None:
    for frontend in reversed(frontends):
        with suppress(Exception):
            await frontend.stop()


async def run_service(settings: Settings) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    core = await Core.open(settings)
    try:
        report = await core.load_if_empty()
        if report is not None:
            log.info("empty database: loaded %s", report.summary_line())
        try:
            frontends, senders, limiters, concurrency = await start_frontends(core)
        except StartupError as exc:
            log.error("%s", exc)
            return 1
        worker = DeliveryWorker(core, senders, limiters, concurrency=concurrency, lease_seconds=settings.lease_seconds)
        jobs = AlertJobs(core, worker)
        jobs.start()
        settle_garbage_collector()
        log.info("running: %s; Ctrl-C or SIGTERM stops", ", ".join(senders))
        await stop.wait()
        log.info("stopping")
        try:
            await asyncio.wait_for(_shutdown(jobs, frontends), STOP_TIMEOUT)
        except asyncio.TimeoutError:
            log.warning("shutdown took longer than %.0f s; exiting anyway", STOP_TIMEOUT)
        return 0
    finally:
        await core.close()


def settle_garbage_collector() -> None:
    """Once started: what exists now lives as long as the process, so full collections skip it
    (they took 30-340 ms with it), and young ones run per 10,000 new objects, not 700."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


async def _shutdown(jobs: AlertJobs, frontends: list) -> None:
    await jobs.stop()
    await stop_all(frontends)
