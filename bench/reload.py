"""Content reload: 1,000 briefing files into an empty database, then reloaded unchanged.

`core.reload()` end to end (scan, hash, parse off the loop, one transaction, alert queueing).
Median of 3 runs, each on a fresh database. Goal to compare with: unchanged reload < 0.5 s.

    .venv/bin/python -m bench.reload
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import generate_briefings, header, open_core, run, table, temp_dir, temp_settings

FILES = 1000
RUNS = 3


async def one_run(folder: Path, content: Path, n: int) -> tuple[float, float]:
    """(first load seconds, unchanged reload seconds) on a fresh database."""
    settings = temp_settings(folder / f"run{n}", content_dir=content)
    async with open_core(settings) as core:
        started = time.perf_counter()
        first = await core.reload()
        loaded = time.perf_counter() - started
        assert len(first.added) == FILES and first.ok, first.summary_line()
        started = time.perf_counter()
        again = await core.reload()
        unchanged = time.perf_counter() - started
        assert len(again.unchanged) == FILES, again.summary_line()
    return loaded, unchanged


async def main() -> list[list[Any]]:
    header(f"content reload ({FILES:,} files, median of {RUNS})")
    with temp_dir() as tmp:
        content = tmp / "content"
        generate_briefings(content, FILES)
        size = sum(p.stat().st_size for p in content.iterdir())
        runs = [await one_run(tmp, content, n) for n in range(RUNS)]
    rows = []
    for label, values in (("load into empty db", [r[0] for r in runs]), ("reload unchanged", [r[1] for r in runs])):
        median = statistics.median(values)
        rows.append([label, median, min(values), max(values), FILES / median])
    table(["case", "median s", "min s", "max s", "files/s"], rows)
    print(f"{FILES:,} files, {size / 1e6:.1f} MB; goal: unchanged reload < 0.5 s")
    return rows


if __name__ == "__main__":
    run(main)
