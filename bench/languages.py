"""What speaking the chat's language costs: command latency in English and in Ukrainian, the
chat-language lookup alone, and composing an alert once per language against once per chat.

In-process on the bundled briefing: warm-up, then ~2,000 calls per case. The ratios compare
cases measured in this same run.

    .venv/bin/python -m bench.languages
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.common import (
    LATENCY_HEADERS,
    copy_bundled,
    header,
    latency_row,
    open_core,
    run,
    table,
    temp_dir,
    temp_settings,
)
from bot.alerts.compose import alert_reply
from bot.commands.catalog import build_router
from bot.commands.context import Caller

CALLS = 2000
WARMUP = 200
ENGLISH = Caller(platform="telegram", chat_id=1001, user_id=1001, private_chat=True)
UKRAINIAN = Caller(platform="telegram", chat_id=1002, user_id=1002, private_chat=True)
FANOUT_CHATS = 3000
PAYLOAD = {
    "briefing_id": "kursk-incursion",
    "title": "Ukrainian Offensive Pushes Deep",
    "summary": "Forces advanced.",
    "key_points": ["One.", "Two.", "Three."],
}


async def timed(call: Callable[[], Awaitable[Any]], calls: int = CALLS) -> list[float]:
    for _ in range(WARMUP):
        await call()
    samples = []
    clock = time.perf_counter
    for _ in range(calls):
        started = clock()
        await call()
        samples.append(clock() - started)
    return samples


def compose_fanout(per_language: bool) -> float:
    """Seconds to compose an alert for FANOUT_CHATS chats in three languages."""
    languages = ["en", "uk", "ru"]
    started = time.perf_counter()
    cache: dict[str, Any] = {}
    for i in range(FANOUT_CHATS):
        language = languages[i % 3]
        if per_language:
            if language not in cache:
                cache[language] = alert_reply("new", PAYLOAD, language)
        else:
            alert_reply("new", PAYLOAD, language)
    return time.perf_counter() - started


async def main() -> list[list[Any]]:
    header("languages: command latency by language, the lookup, composing alerts")
    rows: list[list[Any]] = []
    medians: dict[str, float] = {}
    with temp_dir() as tmp:
        settings = temp_settings(tmp)
        copy_bundled(settings.content_dir)
        async with open_core(settings) as core:
            await core.reload()
            await core.set_chat_language("telegram", UKRAINIAN.chat_id, "uk")
            router = build_router(core)
            for name in ("help", "summary", "status"):
                for label, caller in (("en", ENGLISH), ("uk", UKRAINIAN)):
                    samples = await timed(lambda c=caller, n=name: router.dispatch(c, n, ""))
                    medians[f"{name}/{label}"] = statistics.median(samples)
                    rows.append(latency_row(f"/{name} in {label}", samples))
            lookup = await timed(lambda: router.language(UKRAINIAN))
            rows.append(latency_row("chat language lookup alone", lookup))
    table(LATENCY_HEADERS, rows)
    for name in ("help", "summary", "status"):
        print(f"/{name}: Ukrainian / English median = {medians[f'{name}/uk'] / medians[f'{name}/en']:.2f}")
    once, every = min(compose_fanout(True) for _ in range(3)), min(compose_fanout(False) for _ in range(3))
    print(
        f"composing an alert for {FANOUT_CHATS:,} chats in 3 languages: once per language {once * 1000:.2f} ms, "
        f"once per chat {every * 1000:.1f} ms (ratio {every / once:.0f}x)"
    )
    return rows


if __name__ == "__main__":
    run(main)
