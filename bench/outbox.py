"""The outbox and the worker alone: CPU per delivery with a sender that sends nothing.

10,000 subscriptions and one queued broadcast; `DeliveryWorker.run_once` claims, "sends"
through a sender that only yields to the event loop, and writes every outcome back, all
through the real SQLite database in a temp directory. No network and no fake server, so
the figures are steady from run to run: what the durable outbox costs per alert, on the
event loop and on SQLite's thread, at each worker concurrency (median of 3 rounds).

    .venv/bin/python -m bench.outbox
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import (
    header,
    open_core,
    queue_one_broadcast,
    run,
    settled_gc,
    table,
    temp_dir,
    temp_settings,
    unlimited,
    write_subscriptions,
)
from bot.alerts.worker import DeliveryWorker
from bot.outcome import SENT, Outcome
from bot.reply import Reply

SUBSCRIPTIONS = 10_000
CONCURRENCIES = (16, 64)
ROUNDS = 3


class NothingSender:
    """Reports every alert sent after one turn of the event loop."""

    platform = "telegram"

    async def deliver(self, chat_id: int, thread_id: int, reply: Reply) -> Outcome:
        await asyncio.sleep(0)
        return SENT


async def one_pass(folder: Path, concurrency: int) -> dict[str, float]:
    async with open_core(temp_settings(folder)) as core:
        await write_subscriptions(core, "telegram", range(1, SUBSCRIPTIONS + 1))
        assert await queue_one_broadcast(core) == SUBSCRIPTIONS
        worker = DeliveryWorker(
            core, {"telegram": NothingSender()}, unlimited("telegram"), concurrency={"telegram": concurrency}
        )
        cpu, loop_cpu = time.process_time(), time.thread_time()
        sent = await worker.run_once()
        cpu, loop_cpu = time.process_time() - cpu, time.thread_time() - loop_cpu
        await worker.release()
    assert sent == SUBSCRIPTIONS, sent
    return {"cpu_us": cpu / sent * 1e6, "loop_us": loop_cpu / sent * 1e6, "off_loop_us": (cpu - loop_cpu) / sent * 1e6}


async def main() -> list[list[Any]]:
    header(f"outbox + worker alone: {SUBSCRIPTIONS:,} deliveries to a sender that sends nothing (SQLite)")
    runs: dict[int, list[dict[str, float]]] = {n: [] for n in CONCURRENCIES}
    with temp_dir() as tmp, settled_gc():
        for r in range(ROUNDS):
            for n in CONCURRENCIES:
                runs[n].append(await one_pass(tmp / f"r{r}c{n}", n))
    rows = [
        [f"worker concurrency {n}", *(statistics.median(x[key] for x in results) for key in results[0])]
        for n, results in runs.items()
    ]
    table(["case", "CPU µs/delivery", "event loop", "SQLite's thread"], rows)
    print(f"each row: the median of {ROUNDS} rounds")
    return rows


if __name__ == "__main__":
    run(main)
