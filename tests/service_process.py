"""Starting the real service (`python -m bot run`) as a subprocess for the end-to-end tests.

The environment is the test's own, less every bot setting, plus what the test names; the
process's output is appended to a log file the test can read (tokens must never be in it).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import ROOT


async def start_service(settings: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BOT_"))}
    env.update(settings)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log.open("ab"),
        stderr=asyncio.subprocess.STDOUT,
    )
