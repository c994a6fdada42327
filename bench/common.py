"""Shared benchmark setup: temp settings, generated briefings, subscriptions, the real bot
transports pointed at the loopback fakes, percentiles and table printing.

Everything here uses the bot's own classes (Core, TelegramFrontend, TelegramSender,
DiscordSender, DeliveryWorker, RateLimiter), so a benchmark measures whatever the bot
currently does. Only 127.0.0.1 is contacted; databases live in temp directories.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import platform
import random
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.alerts.limiter import Limits, RateLimiter
from bot.core import Core
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "content" / "kursk-incursion.txt"
TELEGRAM_TOKEN = "123456:TEST-TOKEN"
DISCORD_TOKEN = "fake-discord-token"
BROADCAST_TEXT = (
    "Service note: the evening briefing is delayed by 30 minutes while editors confirm "
    "the latest figures from Kursk and Belgorod."
)
UNLIMITED = Limits(0)


# --- the machine and printing --------------------------------------------------------------


def machine_line() -> str:
    return (
        f"machine: {platform.platform()} | {platform.processor() or platform.machine()} | "
        f"cpus={os.cpu_count()} | python {platform.python_version()} ({sys.implementation.name})"
    )


def header(title: str) -> None:
    print()
    print(f"== {title} ==")
    print(machine_line())


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a plain left-aligned text table."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def quiet_logs() -> None:
    """The bot logs at INFO per reload/delivery; benchmarks print only their tables."""
    logging.basicConfig(level=logging.WARNING)
    for name in ("httpx", "telegram", "discord", "aiohttp", "bot", "storage"):
        logging.getLogger(name).setLevel(logging.WARNING)


# --- statistics ----------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest-rank on the sorted samples."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def latency_row(label: str, seconds: Sequence[float]) -> list[Any]:
    """[label, n, p50 ms, p99 ms, max ms, mean ms]."""
    ms = [s * 1000 for s in seconds]
    return [label, len(ms), percentile(ms, 50), percentile(ms, 99), max(ms), statistics.fmean(ms)]


LATENCY_HEADERS = ["case", "calls", "p50 ms", "p99 ms", "max ms", "mean ms"]


def peak_rss_mb() -> float:
    """Peak resident set size of this process (ru_maxrss is KiB on Linux, bytes on macOS).

    Note: on Linux a child's ru_maxrss starts at its parent's RSS at fork time (it survives
    exec), so a child of a big parent reports the parent's size; see `hwm_rss_mb`.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def hwm_rss_mb() -> float | None:
    """Peak RSS of this process image only (Linux VmHWM, reset by exec); None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


@contextlib.contextmanager
def settled_gc() -> Iterator[None]:
    """The gc settings the service makes once started, undone on exit (`python -m bench` is one process)."""
    from bot.service import settle_garbage_collector

    threshold = gc.get_threshold()
    settle_garbage_collector()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


# --- settings, core, content ---------------------------------------------------------------


@contextlib.contextmanager
def temp_dir(prefix: str = "bench-") -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


def temp_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings on a temp SQLite file and content folder (created), with overrides."""
    content = folder / "content"
    content.mkdir(parents=True, exist_ok=True)
    base = dataclasses.replace(
        Settings(),
        db_path=folder / "data" / "bot.sqlite3",
        content_dir=content,
        telegram_admin_ids=frozenset({42}),
        discord_admin_ids=frozenset({4242}),
        log_level="WARNING",
    )
    return dataclasses.replace(base, **overrides)


@contextlib.asynccontextmanager
async def open_core(settings: Settings) -> AsyncIterator[Core]:
    core = await Core.open(settings)
    try:
        yield core
    finally:
        await core.close()


def copy_bundled(folder: Path) -> None:
    (folder / BUNDLED.name).write_bytes(BUNDLED.read_bytes())


_PLACES = [
    "Kursk",
    "Bryansk",
    "Sumy",
    "Kharkiv",
    "Zaporizhzhia",
    "Donetsk",
    "Kherson",
    "Odesa",
    "Luhansk",
    "Rostov",
    "Voronezh",
    "Dnipro",
    "Poltava",
    "Chernihiv",
    "Mykolaiv",
]
_SUBJECTS = [
    "Offensive",
    "Counterattack",
    "Drone Strike",
    "Evacuation",
    "Ceasefire Talks",
    "Artillery Duel",
    "Supply Push",
    "Border Clash",
    "Air Defence Test",
    "Rail Sabotage",
]
_VERBS = [
    "Pushes Deep into",
    "Stalls Outside",
    "Reaches",
    "Tests Defences of",
    "Shakes",
    "Forces Evacuations in",
    "Draws Reinforcements to",
    "Redraws Front near",
]
_SPEAKERS = [
    ("Alexei Smirnov", "Kursk's acting governor"),
    ("Vyacheslav Gladkov", "Belgorod's governor"),
    ("Oleksandr Syrskyi", "Ukraine's commander-in-chief"),
    ("Dmitry Peskov", "the Kremlin spokesman"),
    ("Andriy Yermak", "the head of Ukraine's presidential office"),
    ("Maria Zakharova", "a foreign ministry spokeswoman"),
]
_QUOTES = [
    "The situation is difficult but under control",
    "We will not give up a single village",
    "Every family that wants to leave will be helped",
    "The enemy has been stopped on the main axis",
    "Talks are possible only from a position of strength",
    "Our air defence worked through the night",
]
_EXTRA_POINTS = [
    "Officials reported {n} drones shot down overnight over {place}.",
    "About {n} residents of {place} spent the night in temporary shelters.",
    "Rail traffic near {place} was suspended for {h} hours after the strike.",
    "Power was restored to {n} homes in {place} by the morning.",
    "Prices of bread in {place} rose {p} percent over the week.",
]
_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})*\b")


def _vary_numbers(text: str, rng: random.Random) -> str:
    def swap(m: re.Match[str]) -> str:
        raw = m.group(0)
        if len(raw) == 4 and raw.startswith("20"):  # keep years
            return raw
        value = int(raw.replace(",", ""))
        new = max(1, int(value * rng.uniform(0.4, 2.5)))
        return f"{new:,}" if "," in raw or new >= 10_000 else str(new)

    return _NUMBER.sub(swap, text)


def briefing_text(i: int, template: str, rng: random.Random) -> str:
    """One realistic variant of the bundled briefing, with front matter and its own id."""
    place = rng.choice(_PLACES)
    title = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {place} as {rng.randint(2, 90)} Villages Empty"
    _head, _, tail = template.partition("\n")
    body, heading, points = re.split(r"(Key\s+Developments:)", tail, maxsplit=1)
    point_lines = [ln for ln in points.splitlines() if ln.strip().startswith("•")]
    closing = [ln for ln in points.splitlines() if ln.strip() and not ln.strip().startswith("•")]
    rng.shuffle(point_lines)
    point_lines = point_lines[: rng.randint(2, len(point_lines))]
    for _ in range(rng.randint(1, 3)):
        extra = rng.choice(_EXTRA_POINTS).format(
            n=f"{rng.randint(3, 40_000):,}", place=place, h=rng.randint(2, 30), p=rng.randint(2, 19)
        )
        point_lines.append(f"  • {extra}")
    body = body.replace("Kursk", place)
    if rng.random() < 0.7:  # a third of the briefings still mention Belgorod
        body = body.replace("Belgorod", rng.choice(_PLACES))
    name, role = rng.choice(_SPEAKERS)
    quote = f'"{rng.choice(_QUOTES)}," {name}, {role}, told reporters in {place} on day {rng.randint(2, 60)}.'
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    front = (
        f"---\nid: brief-{i:04d}-{place.lower()}\npublished: 2024-{month:02d}-{day:02d}\n"
        f"source: https://news.example.org/{i}\ntags: war, {place.lower()}\n---\n"
    )
    return (
        front
        + title
        + "\n"
        + _vary_numbers(body, rng).rstrip()
        + "\n\n"
        + quote
        + "\n\n"
        + heading
        + "\n\n"
        + "\n".join(_vary_numbers(p, rng) for p in point_lines)
        + "\n\n"
        + "\n".join(closing)
        + "\n"
    )


def generate_briefings(folder: Path, count: int, seed: int = 1) -> list[Path]:
    """Write ``count`` varied briefing files into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    template = BUNDLED.read_text(encoding="utf-8")
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        path = folder / f"brief-{i:04d}.txt"
        path.write_text(briefing_text(i, template, rng), encoding="utf-8")
        paths.append(path)
    return paths


# --- subscriptions and the outbox ----------------------------------------------------------


async def write_subscriptions(core: Core, platform: str, chat_ids: Sequence[int], now: float | None = None) -> None:
    """Active instant subscriptions for these chats, written straight into the database file in
    one transaction (setup, not measured; the bot's own path is one /subscribe at a time)."""
    at = time.time() - 60 if now is None else now
    # sqlite3's own `with` commits but does not close: closing() does, so no connection outlives
    # this and keeps the write-ahead log beside the file.
    with contextlib.closing(sqlite3.connect(core.settings.db_path)) as conn, conn:
        conn.executemany(
            "INSERT INTO subscriptions (platform, chat_id, thread_id, mode, timezone, keywords, active, "
            "created_at, updated_at, started_at) VALUES (?, ?, 0, 'instant', 'UTC', '[]', 1, ?, ?, ?)",
            [(platform, chat_id, at, at, at) for chat_id in chat_ids],
        )


async def queue_one_broadcast(core: Core, text: str = BROADCAST_TEXT) -> int:
    """Queue one operator broadcast (what /broadcast does); returns the deliveries queued."""
    return await core.broadcast(text, "bench:42")


async def delivered_count(core: Core) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(core.settings.db_path)) as conn:
        rows = conn.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall()
    return {row[0]: row[1] for row in rows}


def unlimited(*platforms: str) -> dict[str, RateLimiter]:
    return {p: RateLimiter(Limits(0)) for p in platforms}


# --- the bot's real transports -------------------------------------------------------------


@contextlib.asynccontextmanager
async def telegram_bot(core: Core) -> AsyncIterator[Any]:
    """The project's configured python-telegram-bot Bot (its real transport), initialized.

    Built exactly as the service builds it (TelegramFrontend with core.settings), without
    polling; ``core.settings.telegram_api_url`` must point at the fake.
    """
    from bot.commands.catalog import build_router
    from bot.frontends.on_telegram.app import TelegramFrontend

    frontend = TelegramFrontend(core, build_router(core))
    bot = frontend.application.bot
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


def telegram_fake(chat_count: int, **kwargs: Any) -> Any:
    """A FakeTelegram with ``chat_count`` private chats (ids 1..chat_count)."""
    from tests.fakes.telegram_api import FakeTelegram

    fake = FakeTelegram(token=TELEGRAM_TOKEN, **kwargs)
    for chat_id in range(1, chat_count + 1):
        fake.add_user(chat_id, f"User{chat_id}")
        fake.add_chat(chat_id, "private")
    return fake


def alert_html() -> tuple[str, str]:
    """The (html, plain) Telegram text of the benchmark broadcast, rendered by the bot."""
    from bot.alerts.compose import alert_reply
    from bot.frontends.on_telegram.render import render_messages

    return render_messages(alert_reply("broadcast", {"text": BROADCAST_TEXT}))[0]


async def bare_post_all(
    urls_and_bodies: Sequence[tuple[str, dict]], concurrency: int = 64, headers: dict[str, str] | None = None
) -> tuple[float, int]:
    """POST each JSON body with one aiohttp ClientSession; returns (seconds, non-2xx count)."""
    import aiohttp

    failures = 0
    queue = list(reversed(urls_and_bodies))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal failures
            while queue:
                url, body = queue.pop()
                async with session.post(url, json=body) as response:
                    await response.read()
                    if response.status >= 300:
                        failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, failures


async def measured(fake: Any, messages: int, coro: Awaitable[Any]) -> dict[str, Any]:
    """Run a fan-out against a FakeInChild: wall time, this process's CPU and the fake's, per message."""
    before, fake_cpu = await fake.accepted(), await fake.cpu_seconds()
    cpu, loop_cpu, started = time.process_time(), time.thread_time(), time.perf_counter()
    value = await coro
    seconds, cpu, loop_cpu = time.perf_counter() - started, time.process_time() - cpu, time.thread_time() - loop_cpu
    fake_cpu = await fake.cpu_seconds() - fake_cpu
    return {
        "value": value,
        "seconds": seconds,
        "rate": messages / seconds,
        "arrived": await fake.accepted() - before,
        "cpu_us": cpu / messages * 1e6,
        "threads_us": max(0.0, cpu - loop_cpu) / messages * 1e6,
        "fake_cpu_us": fake_cpu / messages * 1e6,
    }


async def deliver_all(sender: Any, chat_ids: Sequence[int], reply: Any, concurrency: int) -> int:
    """Call ``sender.deliver`` for every chat, ``concurrency`` at a time, without the outbox; returns the sent count."""
    queue = list(reversed(chat_ids))
    sent = 0

    async def lane() -> None:
        nonlocal sent
        while queue:
            outcome = await sender.deliver(queue.pop(), 0, reply)
            sent += outcome.status == "sent"

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return sent


def median_of(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over interleaved runs of one configuration."""
    keys = ("seconds", "rate", "cpu_us", "threads_us", "fake_cpu_us")
    return {key: statistics.median(r[key] for r in runs) for key in keys}


FANOUT_HEADERS = [
    "path",
    "seconds",
    "msgs/s",
    "vs bare, same lanes",
    "vs bare's best",
    "CPU µs/msg",
    "CPU vs bare, same lanes",
    "CPU vs bare's lowest",
    "of it off-loop",
    "fake's CPU µs/msg",
]


def fanout_row(
    label: str, runs: Sequence[dict[str, Any]], same_lanes: Sequence[dict[str, Any]], best_rate: float, best_cpu: float
) -> list[Any]:
    """Medians of one configuration's rounds, with its ratios to the bare client: at the same
    concurrency, as the median of each round's ratio (the two ran minutes apart at most, so a
    slow spell of the shared machine weighs on both alike); and to the bare client's best median
    at any concurrency (the strictest baseline of the run)."""
    result = median_of(runs)
    return [
        label,
        result["seconds"],
        result["rate"],
        statistics.median(r["rate"] / b["rate"] for r, b in zip(runs, same_lanes, strict=True)),
        result["rate"] / best_rate,
        result["cpu_us"],
        statistics.median(r["cpu_us"] / b["cpu_us"] for r, b in zip(runs, same_lanes, strict=True)),
        result["cpu_us"] / best_cpu,
        result["threads_us"],
        result["fake_cpu_us"],
    ]


def fanout_table(
    bots: Sequence[tuple[str, int, Sequence[dict[str, Any]]]], bares: dict[int, Sequence[dict[str, Any]]]
) -> list[list[Any]]:
    """Print the bot's runs against the bare client's, from rounds interleaved in one run.

    ``bots``: (label, concurrency, one run per round); ``bares`` maps a concurrency to the bare
    client's runs at it, one per round.
    """
    medians = {n: median_of(runs) for n, runs in sorted(bares.items())}
    best_rate = max(m["rate"] for m in medians.values())
    best_cpu = min(m["cpu_us"] for m in medians.values())
    rows = [fanout_row(label, runs, bares[n], best_rate, best_cpu) for label, n, runs in bots]
    rows += [fanout_row(f"bare aiohttp, concurrency {n}", bares[n], bares[n], best_rate, best_cpu) for n in medians]
    table(FANOUT_HEADERS, rows)
    rounds = max(len(runs) for runs in bares.values())
    print(
        f"each row: the median of {rounds} rounds, every configuration once per round (the bare client first "
        "in even rounds, last in odd ones); 'same lanes': the median of each round's ratio to the bare client "
        "at the same concurrency; 'best'/'lowest': to the bare client's best median at any concurrency"
    )
    print("CPU: this process, all threads; 'off-loop': the part outside the event loop's thread (SQLite's thread)")
    print("goals: bot/bare >= 0.8 msgs/s and <= 1.25 CPU per message")
    return rows


async def timed(coro: Awaitable[Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await coro
    return time.perf_counter() - started, result


def run(main: Callable[[], Awaitable[Any]]) -> Any:
    quiet_logs()
    return asyncio.run(main())
