"""What the garbage collector costs a 10,000-chat Telegram fan-out, with and without the
service's settings (bot.service.settle_garbage_collector: collect, freeze, young threshold 10,000).

Each mode runs in a fresh child process (gc settings are process-wide): one warm-up fan-out,
then the measured one, with a gc callback timing every collection. The fake runs in a
further child process, so the CPU figures are the bot's alone.

    .venv/bin/python -m bench.gc_effect
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import time
from typing import Any

from bench.common import ROOT, header, run, table, temp_dir

CHATS = 10_000
CONCURRENCY = 64
MODES = {
    "default": "Python's defaults (700, 10, 10), nothing frozen",
    "freeze": "gc.freeze() after start-up only",
    "settled": "settle_garbage_collector(): freeze + threshold 10,000",
    "off": "gc.disable() (a floor, not an option)",
}


async def measure(mode: str) -> dict[str, Any]:
    from bench import telegram_fanout
    from bench.fake_process import FakeInChild
    from bot.service import settle_garbage_collector

    collections = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
    started = [0.0]

    def timing(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            entry = collections[info["generation"]]
            entry[0] += 1
            entry[1] += time.perf_counter() - started[0]

    async with FakeInChild("telegram", CHATS) as fake:
        with temp_dir() as tmp:
            await telegram_fanout.bot_fanout(tmp / "warm", fake, CONCURRENCY)
            if mode == "freeze":
                gc.collect()
                gc.freeze()
            elif mode == "settled":
                settle_garbage_collector()
            elif mode == "off":
                gc.disable()
            gc.callbacks.append(timing)
            result = await telegram_fanout.bot_fanout(tmp / "measured", fake, CONCURRENCY)
            gc.callbacks.remove(timing)
    return {
        "cpu_us": result["cpu_us"],
        "rate": result["rate"],
        "frozen": gc.get_freeze_count(),
        "collections": {g: [n, t * 1000] for g, (n, t) in collections.items()},
    }


def in_child(mode: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.gc_effect", "--child", mode], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


async def main() -> list[list[Any]]:
    header(f"garbage collection during a {CHATS:,}-chat Telegram fan-out (worker concurrency {CONCURRENCY})")
    rows = []
    for mode, label in MODES.items():
        r = await asyncio.to_thread(in_child, mode)
        c = r["collections"]
        in_gc = sum(c[g][1] for g in ("0", "1", "2")) / 1000 / CHATS * 1e6
        rows.append(
            [
                label,
                r["rate"],
                r["cpu_us"],
                in_gc,
                r["frozen"],
                *(f"{c[g][0]} / {c[g][1]:.0f} ms" for g in ("0", "1", "2")),
            ]
        )
    table(
        [
            "gc",
            "msgs/s",
            "CPU µs/msg",
            "in the collector µs/msg",
            "objects frozen",
            "gen 0 runs / time",
            "gen 1",
            "gen 2",
        ],
        rows,
    )
    print("one fan-out per mode: msgs/s and CPU follow the machine's load; the collector's own time is the signal")
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        from bench.common import quiet_logs

        quiet_logs()
        print(json.dumps(asyncio.run(measure(sys.argv[2]))))
    else:
        run(main)
