"""Reading strangers' documents (feedparser, trafilatura) in worker processes, bounded in time and memory.

Both libraries are pure-Python-heavy: a hostile 5 MB feed can keep feedparser busy for a minute, and in a thread
that would also hold the GIL the event loop needs. A worker gets ``timeout`` seconds per document and an address
space of ``memory_mb``; a worker that overruns is killed and the pool started again.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.sources.articles import Article, extract_article
from bot.sources.feed_items import ParsedFeed, parse_feed

T = TypeVar("T")


class DocumentTimeout(Exception):
    """A document took too long to read; the message is one line."""


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class DocumentWorkers:
    """``async with DocumentWorkers() as workers: await workers.parse_feed(body, url, headers)``."""

    def __init__(self, processes: int = 1, *, timeout: float = 20.0, memory_mb: int = 1024) -> None:
        self.processes = processes
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_limit_memory,
                initargs=(self.memory_mb,),
            )
        return self._pool

    async def parse_feed(self, body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
        return await self._run(parse_feed, body, url, dict(headers or {}))

    async def extract_article(self, html: bytes | str, url: str, charset: str | None = None) -> Article | None:
        return await self._run(extract_article, html, url, charset)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        for attempt in (1, 2):
            pool = self._start()
            future = asyncio.get_running_loop().run_in_executor(pool, fn, *args)
            try:
                return await asyncio.wait_for(future, self.timeout)
            except TimeoutError:
                self._kill(pool)
                raise DocumentTimeout(f"reading the document took over {self.timeout:g} s; given up") from None
            except BrokenProcessPool:
                self._kill(pool)  # another document's overrun (or a crash) took the pool down: once more
                if attempt == 2:
                    raise DocumentTimeout("the document reader crashed (out of memory?); given up") from None
            except MemoryError:
                raise DocumentTimeout(f"reading the document needed over {self.memory_mb} MB; given up") from None
        raise AssertionError("unreachable")

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        for process in list(getattr(pool, "_processes", {}).values()):  # no public way to stop a busy worker
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)

    async def __aenter__(self) -> DocumentWorkers:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
