"""Run every benchmark in sequence and print every table: `.venv/bin/python -m bench`.

Each benchmark runs on its own fresh event loop; one that fails is reported and the rest
still run (the exit status is then 1). Takes about 5 minutes on 2 cores.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
import traceback

from bench.common import machine_line, quiet_logs

SCRIPTS = (
    "commands",
    "reload",
    "telegram_fanout",
    "telegram_limits",
    "discord_fanout",
    "outbox",
    "latency_under_load",
    "gc_effect",
    "memory",
    "fakes",
    "parse",
    "web_under_load",
    "feeds",
    "languages",
    "feed_polling",
    "feed_alert_latency",
)


def main() -> int:
    quiet_logs()
    print(machine_line())
    failed = []
    started = time.perf_counter()
    for name in SCRIPTS:
        module = importlib.import_module(f"bench.{name}")
        t0 = time.perf_counter()
        try:
            asyncio.run(module.main())
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"({name}: {time.perf_counter() - t0:.1f} s)")
    print(
        f"\nall benchmarks: {time.perf_counter() - started:.0f} s"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
