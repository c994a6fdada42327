"""Feed fetching at scale: 1,000 feeds of 20 items each on a loopback server (in a child process).

Rounds: the first fetch of every feed (fetched, inflated, parsed in threads: items per second), the same with
parsing in two worker processes (as the service should run it), then steady-state rounds in
which every feed answers 304 to its stored ETag (feeds per second), then parsing alone without the network, and
the peak RSS of this process. The fetcher runs with 64 fetches in flight and, since every feed here lives on one
host, 64 per host (the default per-host limit of 4 would make this a benchmark of that limit).

    .venv/bin/python -m bench.feeds
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from bench.common import LATENCY_HEADERS, header, hwm_rss_mb, latency_row, table
from bot.sources.feed_fetch import FeedFetch, fetch_feed
from bot.sources.feed_items import parse_feed
from bot.sources.fetcher import Fetcher, FetchLimits
from bot.sources.netguard import AddressPolicy
from bot.sources.workers import DocumentWorkers

FEEDS = 1000
ITEMS = 20
STEADY_ROUNDS = 3


def feed_document(n: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {n} story {j}: council approves {j * 7 + n % 13} new homes</title>"
        f"<link>https://site{n}.example/news/{j}</link><guid isPermaLink='false'>f{n}-i{j}</guid>"
        f"<pubDate>Tue, 13 Aug 2024 {j % 24:02d}:15:00 GMT</pubDate><dc:creator>Reporter {j}</dc:creator>"
        f"<description><![CDATA[<p>The council voted 7 to 2 on Tuesday to approve {j * 7 + n % 13} new homes on the "
        f"former depot site, the mayor said. Work is due to start in {2025 + j % 3} and to cost about "
        f"{n % 50 + 10} million euros.</p><p>Residents had collected {n * 3 + j} signatures against the plan."
        f"</p>]]></description></item>"
        for j in range(ITEMS)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Feed {n}</title>'
        f"<link>https://site{n}.example/</link><description>bench</description>{items}</channel></rss>"
    ).encode()


async def serve() -> None:
    """Child process: the fake feed server with the bench feeds; runs until stdin closes."""
    from tests.fakes.feed_server import FeedServer

    async with FeedServer() as server:
        for n in range(FEEDS):
            server.set(f"/bench/{n}.xml", feed_document(n), gzip=True)
        print(server.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def fetch_all(
    fetcher: Fetcher, base: str, stored: dict[int, FeedFetch], workers: DocumentWorkers | None = None
) -> tuple[float, list[float], int]:
    latencies: list[float] = []

    async def one(n: int) -> int:
        t0 = time.perf_counter()
        previous = stored.get(n)
        got = await fetch_feed(
            fetcher, f"{base}/bench/{n}.xml", etag=previous.etag if previous else None, workers=workers
        )
        latencies.append(time.perf_counter() - t0)
        if got.feed is not None:
            stored[n] = got
            return len(got.feed.items)
        return 0

    t0 = time.perf_counter()
    items = sum(await asyncio.gather(*(one(n) for n in range(FEEDS))))
    return time.perf_counter() - t0, latencies, items


class LoopLag:
    """How late a 10 ms timer fires while a round runs: what every other task of the bot would feel."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.01)
            self.lags.append(time.perf_counter() - t0 - 0.01)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def main() -> None:
    header(f"feeds: {FEEDS:,} feeds x {ITEMS} items on loopback")
    # A child process of our own, started once before any measurement: not on the measured path.
    child = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "bench.feeds", "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(child.stdout.readline())  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        limits = FetchLimits(max_in_flight=64, max_per_host=64)
        stored: dict[int, FeedFetch] = {}
        async with Fetcher(limits, AddressPolicy.allowing("127.0.0.1/32")) as fetcher:
            with LoopLag() as thread_lag:
                first_s, first_lat, items = await fetch_all(fetcher, base, stored)
            assert items == FEEDS * ITEMS, items
            steady = [await fetch_all(fetcher, base, stored) for _ in range(STEADY_ROUNDS)]
            assert all(r[2] == 0 for r in steady)
            bodies = [(await fetcher.fetch(f"{base}/bench/{n}.xml")).body for n in range(0, FEEDS, 10)]
            async with DocumentWorkers(processes=2) as workers:
                await workers.parse_feed(bodies[0], base)  # start the workers outside the timing
                with LoopLag() as pool_lag:
                    pooled_s, _, pooled_items = await fetch_all(fetcher, base, {}, workers)
            assert pooled_items == FEEDS * ITEMS, pooled_items
    finally:
        child.stdin.close()  # type: ignore[union-attr]
        child.wait(timeout=30)
    t0 = time.perf_counter()
    parsed = sum(len(parse_feed(b, "https://x.example/feed.xml").items) for b in bodies)
    parse_s = time.perf_counter() - t0
    steady_s = sorted(r[0] for r in steady)
    table(
        ["round", "seconds", "feeds/s", "items/s"],
        [
            ["first fetch (200, gzip, parse)", first_s, FEEDS / first_s, items / first_s],
            ["first fetch, parsed in 2 worker processes", pooled_s, FEEDS / pooled_s, pooled_items / pooled_s],
            [
                f"steady, all 304 (median of {STEADY_ROUNDS})",
                steady_s[len(steady_s) // 2],
                FEEDS / steady_s[len(steady_s) // 2],
                "-",
            ],
            [f"parse only, {len(bodies)} feeds in one thread", parse_s, len(bodies) / parse_s, parsed / parse_s],
        ],
    )
    print()
    table(
        LATENCY_HEADERS,
        [
            latency_row("first fetch, per feed (all queued at once)", first_lat),
            latency_row("steady 304, per feed", steady[0][1]),
            latency_row("event-loop lag, parsing in threads", thread_lag.lags),
            latency_row("event-loop lag, parsing in processes", pool_lag.lags),
        ],
    )
    print(f"\npeak RSS of this process (VmHWM): {hwm_rss_mb() or 0:.0f} MB")


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        asyncio.run(serve())
    else:
        asyncio.run(main())
