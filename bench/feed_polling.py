"""Feed polling through the whole bot: the FeedService round (claim, fetch, parse, store, record) on SQLite.

The 1,000 feeds x 20 items of bench.feeds, served by a child process. First fetch of BASELINE_FEEDS feeds
through storage (items stored per second: each item becomes a briefing, parsed by the briefing parser, with its
sentences indexed), then steady rounds of all 1,000 feeds answering 304 (feeds per second: what an idle polling
round costs, one claim and one outcome transaction per feed). Parsing runs in 2 worker processes.

    .venv/bin/python -m bench.feed_polling
"""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import time

from bench.common import header, hwm_rss_mb, open_core, quiet_logs, table, temp_dir, temp_settings
from bench.feeds import FEEDS, ITEMS, feed_document
from bot.sources.fetcher import Fetcher, FetchLimits
from bot.sources.netguard import AddressPolicy
from bot.sources.service import FeedService
from bot.sources.workers import DocumentWorkers
from storage.feeds import FetchOutcome

BASELINE_FEEDS = 50
STEADY_ROUNDS = 3


async def main() -> None:
    quiet_logs()
    header(f"feed polling through storage: {FEEDS:,} feeds x {ITEMS} items, SQLite")
    child = subprocess.Popen(  # noqa: ASYNC220 - a child started once, before measuring
        [sys.executable, "-m", "bench.feeds", "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    rows = []
    try:
        port = int(child.stdout.readline())  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        with temp_dir() as tmp:
            settings = temp_settings(tmp, fetch_allow_private=True)
            limits = FetchLimits(max_in_flight=64, max_per_host=64)  # every feed here is on one host
            async with (
                open_core(settings) as core,
                Fetcher(limits, AddressPolicy(allow_private=True)) as fetcher,
                DocumentWorkers(processes=2) as workers,
            ):
                service = FeedService(core.feeds.repo, settings, core.clock, fetcher=fetcher, workers=workers)
                now = core.clock()
                ids = [
                    (
                        await core.feeds.repo.add(
                            f"{base}/bench/{n}.xml", f"Feed {n}", 15, pages=False, kind="feed", next_due=now, now=now
                        )
                    ).id
                    for n in range(FEEDS)
                ]
                await workers.parse_feed(feed_document(0), base)  # start the workers outside the timing

                t0 = time.perf_counter()
                reports = await service.poll_due(ids[:BASELINE_FEEDS])
                first_s = time.perf_counter() - t0
                stored = sum(len(r.added) for r in reports)
                assert stored == BASELINE_FEEDS * ITEMS, stored
                rows.append(
                    [
                        f"first fetch of {BASELINE_FEEDS} feeds, stored",
                        first_s,
                        BASELINE_FEEDS / first_s,
                        stored / first_s,
                    ]
                )

                for n, feed_id in enumerate(ids[BASELINE_FEEDS:], start=BASELINE_FEEDS):  # as if fetched before
                    etag = f'"{hashlib.sha256(feed_document(n)).hexdigest()[:16]}"'
                    await core.feeds.repo.record_fetch(feed_id, FetchOutcome(etag, None, now, 0, None, "ok", None), now)
                times = []
                for _ in range(STEADY_ROUNDS):
                    await core.feeds.repo.make_due(core.clock())
                    t0 = time.perf_counter()
                    reports = await service.poll_due()
                    times.append(time.perf_counter() - t0)
                    assert len(reports) == FEEDS and all(r.not_modified for r in reports), [
                        r.error for r in reports if r.error
                    ][:3]
                steady = sorted(times)[len(times) // 2]
                rows.append(
                    [f"steady round, all {FEEDS:,} answer 304 (median of {STEADY_ROUNDS})", steady, FEEDS / steady, "-"]
                )
    finally:
        child.stdin.close()  # type: ignore[union-attr]
        child.wait(timeout=30)
    table(["round", "seconds", "feeds/s", "items/s"], rows)
    print(f"\npeak RSS of this process (VmHWM): {hwm_rss_mb() or 0:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
