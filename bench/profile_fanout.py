"""cProfile of the fan-outs (not part of `python -m bench`): where does a delivery's time go?

    .venv/bin/python -m bench.profile_fanout [telegram|discord|reload] [top-N]

Profiles one run (3,000 deliveries at worker concurrency 64, or the 1,000-file reload) in
this process — the fake server runs in a child process, so only the bot shows — and
prints the top entries by own time
and by cumulative time.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
from pathlib import Path

from bench import discord_fanout, telegram_fanout
from bench.common import generate_briefings, open_core, quiet_logs, temp_dir, temp_settings
from bench.fake_process import FakeInChild

COUNT = 3000
CONCURRENCY = 64


async def telegram(profile: cProfile.Profile) -> None:
    async with FakeInChild("telegram", COUNT) as fake:
        with temp_dir() as tmp:
            profile.enable()
            await telegram_fanout.bot_fanout(tmp, fake, CONCURRENCY, COUNT)
            profile.disable()


async def discord(profile: cProfile.Profile) -> None:
    async with FakeInChild("discord", COUNT) as fake:
        with temp_dir() as tmp:
            profile.enable()
            await discord_fanout.bot_fanout(tmp, fake, CONCURRENCY)
            profile.disable()


async def reload(profile: cProfile.Profile) -> None:
    from bot import content

    with temp_dir() as tmp:
        settings = temp_settings(tmp)
        generate_briefings(settings.content_dir, 1000)
        async with open_core(settings):
            profile.enable()
            # the parse runs in a worker thread; profile it in this thread instead
            content._scan(content.content_files(Path(settings.content_dir)), {}, content.ReloadReport())
            profile.disable()


def main() -> None:
    quiet_logs()
    which = sys.argv[1] if len(sys.argv) > 1 else "telegram"
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    profile = cProfile.Profile()
    asyncio.run({"telegram": telegram, "discord": discord, "reload": reload}[which](profile))
    stats = pstats.Stats(profile).strip_dirs()
    print(f"== {which}: by own time ==")
    stats.sort_stats("tottime").print_stats(top)
    print(f"== {which}: by cumulative time ==")
    stats.sort_stats("cumulative").print_stats(top)


if __name__ == "__main__":
    main()
