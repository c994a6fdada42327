"""A loopback fake served from a child process, so the benchmark's own CPU time is the client's.

With the fake in the bot's process, `time.process_time()` mixes the server's work into the
bot's, and both compete for one event loop. Here the fake runs in a spawned child (its own
interpreter and loop, 127.0.0.1 only); the parent asks it over a pipe how many messages it
accepted and how much CPU it used.

    async with FakeInChild("telegram", 10_000) as fake:   # or "discord"
        fake.root, fake.api_root, fake.gateway_url, fake.ids
        await fake.accepted(); await fake.cpu_seconds()
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import time
from multiprocessing.connection import Connection
from typing import Any

START_TIMEOUT = 60.0


class FakeInChild:
    def __init__(self, kind: str, count: int):
        if kind not in ("telegram", "discord"):
            raise ValueError(f"unknown fake: {kind}")
        self.kind, self.count = kind, count
        self.root = self.api_root = self.gateway_url = ""
        self.ids: list[int] = []
        self._conn: Connection | None = None
        self._process: Any = None

    async def __aenter__(self) -> FakeInChild:
        context = multiprocessing.get_context("spawn")
        self._conn, child_end = context.Pipe()
        self._process = context.Process(target=_child, args=(self.kind, self.count, child_end), daemon=True)
        self._process.start()
        child_end.close()
        info = await self._ask(None, timeout=START_TIMEOUT)
        self.root, self.api_root, self.gateway_url, self.ids = (
            info["root"],
            info["api_root"],
            info["gateway_url"],
            info["ids"],
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await self._ask("stop")
        finally:
            await asyncio.to_thread(self._process.join, 10)
            if self._process.is_alive():
                self._process.terminate()

    async def accepted(self) -> int:
        """Messages the fake accepted so far."""
        return await self._ask("accepted")

    async def cpu_seconds(self) -> float:
        """The child's CPU time so far (user + system)."""
        return await self._ask("cpu")

    async def _ask(self, question: str | None, timeout: float = 30.0) -> Any:
        assert self._conn is not None
        if question is not None:
            self._conn.send(question)
        if not await asyncio.to_thread(self._conn.poll, timeout):
            raise TimeoutError(f"the {self.kind} fake in the child process did not answer {question!r}")
        return self._conn.recv()


def _child(kind: str, count: int, conn: Connection) -> None:
    asyncio.run(_serve(kind, count, conn))


async def _serve(kind: str, count: int, conn: Connection) -> None:
    from bench.common import quiet_logs

    quiet_logs()
    if kind == "telegram":
        from bench.common import telegram_fake

        fake: Any = telegram_fake(count, record_calls=False)
        root = await fake.start()
        info = {"root": root, "api_root": "", "gateway_url": "", "ids": list(range(1, count + 1))}

        def taken() -> int:
            n = len(fake.sent)
            fake.sent.clear()
            return n
    else:
        from bench.discord_fanout import discord_fake

        fake, ids = discord_fake(count)
        await fake.start()
        info = {"root": "", "api_root": fake.api_root, "gateway_url": fake.gateway_url, "ids": ids}

        def taken() -> int:
            n = sum(len(v) for v in fake.messages.values())
            fake.messages.clear()
            return n

    # Messages are counted and dropped, not kept: half a million of them over a run made the
    # child's full garbage collections long enough to stall whichever fan-out was running.
    gc.freeze()  # the chats and users set up above live as long as the child
    accepted = 0
    conn.send(info)
    try:
        while True:
            question = await asyncio.to_thread(conn.recv)
            if question == "accepted":
                accepted += taken()
                conn.send(accepted)
            elif question == "cpu":
                conn.send(time.process_time())
            else:
                conn.send(None)
                return
    finally:
        await fake.close()
