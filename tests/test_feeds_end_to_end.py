"""Feeds end to end: the loopback feed server, the polling loop, the outbox and the Telegram front-end against the
fake Bot API; then the whole service as a subprocess, killed with SIGKILL between fetching and delivering."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from bot.alerts.jobs import AlertJobs
from bot.alerts.limiter import Limits, RateLimiter
from bot.alerts.worker import DeliveryWorker
from bot.commands.catalog import build_router
from bot.core import Core
from bot.frontends.on_telegram.app import TelegramFrontend
from tests.fakes.feed_server import FeedServer
from tests.fakes.feed_server_thread import ThreadedFeedServer
from tests.fakes.telegram_api import FakeTelegram
from tests.service_process import start_service

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ADMIN, READER = 42, 100
ARTICLE = "/world/2024/08/kursk-incursion"
FEED = "/feeds/rss.xml"
FRESH = (
    "<item><title>Ceasefire talks resume in Geneva</title><link>/world/geneva</link><guid>g-9</guid>"
    "<description>Delegations from 4 countries met on Thursday.</description></item>"
)


async def eventually(check, within: float = 10.0) -> None:
    """Poll ``check()`` (async) until it is truthy, with a deadline; no sleeping as synchronisation."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110 - the state is in the database: poll it, with a deadline
            await asyncio.sleep(0.02)


@pytest.fixture
def settings(settings):
    return replace(settings, fetch_allow_private=True, delivery_interval=0.2)


@pytest.fixture
async def bot(core):
    async with FakeTelegram() as fake, FeedServer() as site:
        for uid in (ADMIN, READER):
            fake.add_user(uid, f"user{uid}")
            fake.add_chat(uid, "private")
        core.settings = replace(core.settings, telegram_token=fake.token, telegram_api_url=fake.root)
        core.feeds.isolated_parsing = False
        await core.load_if_empty()
        frontend = TelegramFrontend(core, build_router(core))
        await frontend.start()
        await fake.wait_polling()
        worker = DeliveryWorker(core, {"telegram": frontend.sender}, {"telegram": RateLimiter(Limits(0))})
        jobs = AlertJobs(core, worker)
        jobs.start()
        core.feeds.start()
        try:
            yield fake, site, worker
        finally:
            await core.feeds.close()
            await jobs.stop()
            await frontend.stop()


async def say(fake: FakeTelegram, user: int, text: str) -> str:
    before = len(fake.sent_to(user))
    fake.user_message(user, user, text)
    return (await fake.wait_sent(before + 1, chat_id=user, timeout=15))[before]["text"]


async def polled_after(core: Core, feed_id: int, since: float) -> bool:
    feed = await core.feeds.repo.get(feed_id)
    return feed is not None and feed.last_success is not None and feed.last_success > since


async def test_baseline_new_item_correction_and_silent_rewrites_reach_a_chat_once(bot, core):
    fake, site, worker = bot
    reply = await say(fake, ADMIN, f"/addfeed {site.url(FEED)} 60")
    assert reply.startswith("Added feed 1"), reply
    await eventually(lambda: polled_after(core, 1, 0))  # the loop fetched the baseline at once
    assert "Subscribed." in await say(fake, READER, "/subscribe")
    readers_before = len(fake.sent_to(READER))
    assert await worker.run_once() == 0  # the baseline alerts nobody

    site.set(FEED, site.pages[FEED].body.decode().replace("<item>", FRESH + "<item>", 1))
    site.set("/world/geneva", "<html><body><p>Sign in to read.</p></body></html>", "text/html")
    assert "fetching now" in await say(fake, ADMIN, "/reload")  # /reload fetches every feed now
    [new] = (await fake.wait_sent(readers_before + 1, chat_id=READER, timeout=15))[readers_before:]
    assert "Ceasefire talks resume in Geneva" in new["text"]

    site.replace(ARTICLE, "28 villages", "35 villages")
    site.replace(
        FEED,
        "<pubDate>Tue, 13 Aug 2024 08:15:00 +0200</pubDate>",
        "<pubDate>Tue, 13 Aug 2024 08:15:00 +0200</pubDate><atom:updated>2024-08-13T12:00:00Z</atom:updated>",
    )
    await say(fake, ADMIN, "/reload")
    [changed] = (await fake.wait_sent(readers_before + 2, chat_id=READER, timeout=15))[readers_before + 1 :]
    assert "28 villages → 35 villages" in changed["text"]

    site.replace(FEED, "https://news.example/world/2024/08/heatwave</guid>", "heatwave-2</guid>")
    site.replace(FEED, "Mon, 12 Aug 2024 17:02:00 GMT", "Wed, 14 Aug 2024 06:00:00 GMT")
    since = (await core.feeds.repo.get(1)).last_success
    hits = site.hits[FEED]
    await say(fake, ADMIN, "/reload")
    await eventually(lambda: polled_after(core, 1, since))
    assert site.hits[FEED] == hits + 1
    assert await worker.run_once() == 0 and len(fake.sent_to(READER)) == readers_before + 2  # silence


async def _service(db_path: Path, fake: FakeTelegram, content: Path, log: Path) -> asyncio.subprocess.Process:
    return await start_service(
        {
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.root,
            "BOT_DB_PATH": str(db_path),
            "BOT_CONTENT_DIR": str(content),
            "BOT_REFRESH_MINUTES": "0",
            "BOT_LEASE_SECONDS": "1",
            "BOT_DELIVERY_INTERVAL": "0.2",
            "BOT_HTTP_LISTEN": "off",
            "BOT_FETCH_ALLOW_PRIVATE": "true",
        },
        log,
    )


async def test_sigkill_between_fetching_and_delivering_loses_nothing(settings, tmp_path):
    """The alert is committed with the briefing; a process killed before sending it leaves it for the next."""
    with ThreadedFeedServer() as site:
        async with FakeTelegram() as fake:
            fake.add_user(READER, "reader")
            fake.add_chat(READER, "private")
            # The first process's send is refused (429, retry in 2 s), so the kill lands after the fetch
            # committed the alert and before it was delivered.
            fake.fail_next("sendMessage", status=429, retry_after=2, chat_id=READER)
            core = await Core.open(replace(settings, fetch_allow_private=True))
            try:
                core.feeds.isolated_parsing = False
                await core.load_if_empty()
                await core.feeds.add(site.url(FEED), 0.02)  # due again a second after the baseline
                await core.feeds.poll_due()  # the baseline, before anyone subscribed
                await core.subscriptions.upsert(
                    "telegram",
                    READER,
                    0,
                    mode="instant",
                    digest_time=None,
                    timezone="UTC",
                    keywords=(),
                    now=core.clock() - 1,
                )
            finally:
                await core.close()
            site.set(FEED, site.pages[FEED].body.decode().replace("<item>", FRESH + "<item>", 1))

            log = tmp_path / "service.log"
            first = await _service(settings.db_path, fake, settings.content_dir, log)

            def refused_once() -> int:
                with closing(sqlite3.connect(settings.db_path)) as db, db:
                    return db.execute(
                        "SELECT COUNT(*) FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
                        "WHERE a.feed_id IS NOT NULL AND d.last_error IS NOT NULL"
                    ).fetchone()[0]

            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while not refused_once():
                assert loop.time() < deadline and first.returncode is None, log.read_text(errors="replace")
                await asyncio.sleep(0.01)
            first.kill()
            await first.wait()

            second = await _service(settings.db_path, fake, settings.content_dir, log)
            try:
                await fake.wait_for(
                    lambda f: any("Ceasefire talks" in m["text"] for m in f.sent_to(READER)), timeout=30
                )
            finally:
                second.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(second.wait(), 10)
            alerts = [m for m in fake.sent_to(READER) if "Ceasefire talks" in m["text"]]
            assert len(alerts) == 1 and code == 0
            assert "Traceback" not in log.read_text(errors="replace")
