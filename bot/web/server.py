"""The operations HTTP server: builds the aiohttp app and runs it on the service's event loop.

metrics = Metrics(commands=[c.name for c in router.commands])
address = parse_listen(settings.http_listen)  # None for "off"; ListenError names BOT_HTTP_LISTEN
server = WebServer(build_app(view, metrics, token=settings.dashboard_token))
bound = await server.start(address)  # "127.0.0.1:8080", the port chosen when 0 was asked
...
await server.stop()
"""

from __future__ import annotations

import logging
import socket
import time

from aiohttp import web

from bot.web.auth import Clock
from bot.web.dashboard import Dashboard
from bot.web.health import READ_TIMEOUT, READY_INTERVAL, HealthRoutes, Readiness
from bot.web.metrics import Metrics
from bot.web.ports import OperationsView

log = logging.getLogger(__name__)

# No script at all, styles only from this server, forms only to this server, never in a frame.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make browsers send "Origin: null" on our own forms
    "X-Frame-Options": "DENY",
}
MAX_REQUEST_BYTES = 64 * 1024  # the largest form here is a token


class ListenError(Exception):
    """BOT_HTTP_LISTEN is malformed or cannot be bound; the message names it."""


def parse_listen(text: str) -> tuple[str, int] | None:
    """ "host:port", "[::1]:port" or "off" (None). Port 0 picks a free port."""
    text = text.strip()
    if text.lower() in ("off", "none", "disabled", ""):
        return None
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit() or int(port_text) > 65535:
        raise ListenError(f"BOT_HTTP_LISTEN must be host:port (e.g. 127.0.0.1:8080) or off, got {text!r}")
    return host.strip("[]"), int(port_text)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


READINESS = web.AppKey("readiness", Readiness)


def build_app(
    view: OperationsView,
    metrics: Metrics,
    *,
    token: str = "",
    clock: Clock = time.time,
    read_timeout: float = READ_TIMEOUT,
    ready_interval: float = READY_INTERVAL,
    secure_cookie: bool | None = None,
    dashboard: Dashboard | None = None,
) -> web.Application:
    """Health, readiness and metrics always; the dashboard when a token is set."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.on_response_prepare.append(_security_headers)
    readiness = app[READINESS] = Readiness(view, ready_interval, read_timeout)
    HealthRoutes(view, metrics, readiness, read_timeout).add_to(app)
    (dashboard or Dashboard(view, token, clock, secure_cookie=secure_cookie)).add_to(app)
    return app


class WebServer:
    def __init__(self, app: web.Application):
        self.app = app
        self._runner: web.AppRunner | None = None

    async def start(self, address: tuple[str, int]) -> str:
        """Listen; returns the address actually bound ("host:port"). Raises ListenError naming the setting."""
        host, port = address
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except (OSError, socket.gaierror) as exc:
            await runner.cleanup()
            raise ListenError(f"cannot listen on BOT_HTTP_LISTEN={host}:{port}: {exc.strerror or exc}") from None
        self._runner = runner
        bound = runner.addresses[0]
        shown = f"[{bound[0]}]:{bound[1]}" if ":" in bound[0] else f"{bound[0]}:{bound[1]}"
        log.info("HTTP server listening on %s", shown)
        return shown

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
