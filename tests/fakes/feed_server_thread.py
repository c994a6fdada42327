"""The loopback FeedServer on its own event loop in a thread, for tests whose bot runs in a subprocess.

Edits (``set``/``replace``) are plain assignments the server's handler reads; ``hits`` counts as before.
"""

from __future__ import annotations

import asyncio
import threading

from tests.fakes.feed_server import FeedServer


class ThreadedFeedServer:
    """``with ThreadedFeedServer() as server: server.url("/feeds/rss.xml")``."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="feed-server", daemon=True)
        self.server: FeedServer | None = None

    def __enter__(self) -> FeedServer:
        self._thread.start()

        async def start() -> FeedServer:
            return await FeedServer().start()

        self.server = asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout=10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
