"""From an item appearing in a feed to its alert reaching the fake Bot API, through the whole bot.

One feed on the loopback feed server, one subscribed private chat, the real Telegram front-end, the delivery worker
and the feed polling loop with parsing in a worker process (as the service runs). Two cases:

- woken: after the item appears, an operator's /reload (``fetch_feeds_now``) wakes the loop: the pipeline's own
  latency (fetch, parse, article page, store, outbox, send).
- polled: nobody wakes the loop; the feed is fetched every POLL_SECONDS, so the wait for the next fetch
  (on average half the interval) is most of it.

    .venv/bin/python -m bench.feed_alert_latency
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time

from bench.common import LATENCY_HEADERS, header, latency_row, open_core, quiet_logs, table, temp_dir, temp_settings
from bot.alerts.jobs import AlertJobs
from bot.alerts.limiter import Limits, RateLimiter
from bot.alerts.worker import DeliveryWorker
from bot.commands.catalog import build_router
from bot.frontends.on_telegram.app import TelegramFrontend
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_api import FakeTelegram

READER = 100
WOKEN_ITEMS = 50
POLLED_ITEMS = 20
POLL_SECONDS = 2.0
FEED = "/bench/feed.xml"


def feed_body(items: list[int]) -> str:
    entries = "".join(
        f"<item><title>Bench story {i}: council approves {i + 10} new homes</title><link>/bench/story/{i}</link>"
        f"<guid>bench-{i}</guid><description>The council approved {i + 10} new homes on Tuesday after a vote "
        f"of 7 to 2.</description></item>"
        for i in reversed(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title>'
        f"<link>/</link><description>bench</description>{entries}</channel></rss>"
    )


def page_body(i: int) -> str:
    return (
        f"<html><head><title>Bench story {i}</title></head><body><article><h1>Bench story {i}</h1>"
        + "".join(
            f"<p>Paragraph {p}: the council approved {i + 10} new homes on the former depot site on "
            f"Tuesday, after a vote of 7 to 2; work is due to start in 2026 and to cost about "
            f"{i % 50 + 10} million euros, the mayor said.</p>"
            for p in range(6)
        )
        + "</article></body></html>"
    )


async def one_item(site: FeedServer, fake: FakeTelegram, items: list[int], i: int, wake) -> float:
    site.set(f"/bench/story/{i}", page_body(i), "text/html; charset=utf-8")
    items.append(i)
    site.set(FEED, feed_body(items[-20:]))
    started = time.perf_counter()
    if wake is not None:
        await wake()
    needle = f"Bench story {i}:"
    await fake.wait_for(lambda f: any(needle in m["text"] for m in f.sent_to(READER)), timeout=60)
    return time.perf_counter() - started


async def main() -> list[list]:
    quiet_logs()
    header("Feed item to alert: appearance on the server to the message at the fake Bot API")
    rows = []
    with temp_dir() as tmp:
        settings = temp_settings(tmp, fetch_allow_private=True, delivery_interval=0.5)
        async with FakeTelegram() as fake, FeedServer() as site, open_core(settings) as core:
            fake.add_user(READER, "reader")
            fake.add_chat(READER, "private")
            core.settings = dataclasses.replace(core.settings, telegram_token=fake.token, telegram_api_url=fake.root)
            frontend = TelegramFrontend(core, build_router(core))
            await frontend.start()
            worker = DeliveryWorker(core, {"telegram": frontend.sender}, {"telegram": RateLimiter(Limits(0))})
            jobs = AlertJobs(core, worker)
            jobs.start()
            items = list(range(5))
            site.set(FEED, feed_body(items))
            try:
                added = await core.feeds.add(site.url(FEED), 60)
                await core.feeds.poll_due()  # the baseline (and the parser process's start): not measured
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
                core.feeds.start()
                woken = [await one_item(site, fake, items, 100 + n, core.fetch_feeds_now) for n in range(WOKEN_ITEMS)]
                rows.append(latency_row(f"woken (/reload), {WOKEN_ITEMS} items", woken))
                await core.feeds.repo.remove(added.feed.id)
                await core.feeds.add(site.url(FEED), POLL_SECONDS / 60)
                await core.feeds.poll_due()  # a new baseline for the re-added feed
                rng = random.Random(7)
                polled = []
                for n in range(POLLED_ITEMS):
                    await asyncio.sleep(rng.uniform(0, POLL_SECONDS))  # items appear at random moments
                    polled.append(await one_item(site, fake, items, 1000 + n, None))
                rows.append(latency_row(f"polled every {POLL_SECONDS:g} s, {POLLED_ITEMS} items", polled))
            finally:
                await core.feeds.close()
                await jobs.stop()
                await frontend.stop()
    table(LATENCY_HEADERS, rows)
    return rows


if __name__ == "__main__":
    asyncio.run(main())
