"""A loopback web server with realistic feeds and article pages, editable by tests, with the faults feeds have.

Pages live at paths the test can rewrite (``set``/``replace``); ETag and Last-Modified follow each change and are
honoured (If-None-Match / If-Modified-Since -> 304). ``hits`` counts requests per path.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web

DATA = Path(__file__).resolve().parent.parent / "data" / "feeds"
_BASE_DATE = datetime(2024, 8, 13, 9, 0, tzinfo=UTC)

_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".rdf": "application/rdf+xml",
    ".json": "application/feed+json",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


@dataclass
class Page:
    body: bytes
    content_type: str
    etag: str = ""
    last_modified: str = ""
    gzip: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@functools.lru_cache(maxsize=8)
def big_feed(count: int, *, prefix: str = "item") -> bytes:
    """An RSS 2.0 feed of ``count`` distinct items."""
    items = "".join(
        f"<item><title>Story {i}: council approves {i} new homes</title>"
        f"<link>https://big.example/{prefix}/{i}</link><guid>{prefix}-{i}</guid>"
        f"<pubDate>Tue, 13 Aug 2024 09:00:00 GMT</pubDate>"
        f"<description>The council approved {i} new homes on Tuesday after a vote of 7 to 2.</description></item>"
        for i in range(count)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big Feed</title>'
        f"<link>https://big.example/</link><description>many</description>{items}</channel></rss>"
    ).encode()


class FeedServer:
    """``async with FeedServer() as server: server.url("/feeds/rss.xml")``."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: Counter[str] = Counter()
        self.request_headers: dict[str, dict[str, str]] = {}
        self.slow_release = asyncio.Event()  # the /slow handler waits on it; set by the test or at stop
        self.slow_started = asyncio.Event()
        self.over_cap_bytes = 6_000_000
        self._version = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        for name, path in (
            ("rss2.xml", "/feeds/rss.xml"),
            ("atom.xml", "/feeds/atom.xml"),
            ("rss1.rdf", "/feeds/rss1.rdf"),
            ("rss091.xml", "/feeds/rss091.xml"),
            ("feed.json", "/feeds/feed.json"),
            ("broken.xml", "/feeds/broken.xml"),
            ("subscriptions.opml", "/subscriptions.opml"),
            ("article.html", "/world/2024/08/kursk-incursion"),
            ("no-article.html", "/login"),
            ("home.html", "/"),
        ):
            self.set(path, (DATA / name).read_bytes(), _TYPES[Path(name).suffix])
        # header says UTF-8, the prolog (rightly) says ISO-8859-1
        self.set("/feeds/latin1.xml", (DATA / "latin1.xml").read_bytes(), "text/xml; charset=utf-8")
        self.set("/feeds/gzip.xml", (DATA / "rss2.xml").read_bytes(), _TYPES[".xml"], gzip=True)
        self.set("/feeds/big.xml", big_feed(5000), _TYPES[".xml"], gzip=True)

    # -- content the test changes -------------------------------------------------------------
    def set(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "application/rss+xml; charset=utf-8",
        *,
        gzip: bool = False,
        etag: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Put ``body`` at ``path``; ETag defaults to a hash of the body, Last-Modified moves on each change."""
        raw = body.encode() if isinstance(body, str) else body
        self._version += 1
        self.pages[path] = Page(
            body=raw,
            content_type=content_type,
            etag=etag if etag is not None else f'"{hashlib.sha256(raw).hexdigest()[:16]}"',
            last_modified=format_datetime(_BASE_DATE + timedelta(minutes=self._version), usegmt=True),
            gzip=gzip,
            headers=dict(headers or {}),
        )

    def replace(self, path: str, old: str, new: str) -> None:
        page = self.pages[path]
        text = page.body.decode("utf-8")
        assert old in text, f"{old!r} not in {path}"
        self.set(path, text.replace(old, new), page.content_type, gzip=page.gzip, headers=page.headers)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> FeedServer:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self.slow_release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FeedServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- serving ------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        self.request_headers[path] = dict(request.headers)
        fault = _FAULTS.get(path)
        if fault is not None:
            return await fault(self, request)
        page = self.pages.get(path)
        if page is None:
            return web.Response(status=404, text="not found")
        if _matches(request, page):
            return web.Response(status=304, headers={"ETag": page.etag, "Last-Modified": page.last_modified})
        headers = {
            "ETag": page.etag,
            "Last-Modified": page.last_modified,
            "Content-Type": page.content_type,
            **page.headers,
        }
        body = page.body
        if page.gzip:
            body = gzip.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, headers=headers)


def _matches(request: web.Request, page: Page) -> bool:
    tags = request.headers.get("If-None-Match")
    if tags is not None:
        return page.etag in [t.strip() for t in tags.split(",")] or tags.strip() == "*"
    since = request.headers.get("If-Modified-Since")
    return since is not None and since == page.last_modified


async def _status(status: int, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=f"status {status}", headers=headers)


async def _slow(server: FeedServer, request: web.Request) -> web.StreamResponse:
    server.slow_started.set()
    await server.slow_release.wait()
    return web.Response(body=(DATA / "rss2.xml").read_bytes(), content_type="application/rss+xml")


async def _over_cap(server: FeedServer, request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    block = b"<!-- " + b"x" * 65_000 + b" -->\n"
    sent = 0
    try:
        while sent <= server.over_cap_bytes:
            await response.write(block)
            sent += len(block)
    except (ConnectionResetError, RuntimeError):
        pass  # the client hung up once over its cap: what the test wants
    return response


_BOMB: bytes | None = None


async def _bomb(server: FeedServer, request: web.Request) -> web.StreamResponse:
    global _BOMB
    if _BOMB is None:  # ~100 MB of zeros in ~100 KB
        _BOMB = gzip.compress(b"\0" * 100_000_000, compresslevel=9)
    return web.Response(body=_BOMB, headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})


def _redirect(location: str):
    async def handler(server: FeedServer, request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": location})

    return handler


async def _to_self(server: FeedServer, request: web.Request) -> web.StreamResponse:
    return web.Response(status=301, headers={"Location": f"http://localhost:{server.port}/feeds/rss.xml"})


async def _http_date_later(server: FeedServer, request: web.Request) -> web.StreamResponse:
    return web.Response(status=503, text="busy", headers={"Retry-After": "Fri, 04 Dec 2026 12:10:00 GMT"})


_FAULTS = {
    "/fault/404": lambda s, r: _status(404),
    "/fault/410": lambda s, r: _status(410),
    "/fault/500": lambda s, r: _status(500),
    "/fault/429": lambda s, r: _status(429, {"Retry-After": "120"}),
    "/fault/503-date": _http_date_later,
    "/slow": _slow,
    "/over-cap": _over_cap,
    "/bomb": _bomb,
    "/loop/a": _redirect("/loop/b"),
    "/loop/b": _redirect("/loop/a"),
    "/moved": _redirect("../feeds/rss.xml"),
    "/moved-to-name": _to_self,
    "/to-private": _redirect("http://10.0.0.1/feed.xml"),
    "/to-loopback-v6": _redirect("http://[::1]:9/feed.xml"),
    "/to-file": _redirect("file:///etc/passwd"),
}
