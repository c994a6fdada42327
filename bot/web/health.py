"""`/healthz` (liveness), `/readyz` (readiness from the core's checks) and `/metrics` (Prometheus text).

Readiness checks run in the background every couple of seconds and `/readyz` answers from the
latest result: a probe then costs no database read, so it answers in milliseconds even while a
fan-out keeps the event loop and the database busy, and a crowd of probes adds no load.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.web.metrics import Metrics
from bot.web.ports import Check, OperationsView

log = logging.getLogger(__name__)

READ_TIMEOUT = 2.0  # a database that does not answer in this long counts as not readable
READY_INTERVAL = 2.0


class Readiness:
    """The latest readiness checks, refreshed by a background task while the server runs."""

    def __init__(
        self,
        view: OperationsView,
        interval: float = READY_INTERVAL,
        read_timeout: float = READ_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.view = view
        self.interval = interval
        self.read_timeout = read_timeout
        self.clock = clock
        self.latest: list[Check] = [Check("readiness", False, "checks have not run yet")]
        self.checked_at: float | None = None
        self._task: asyncio.Task | None = None

    async def refresh(self) -> list[Check]:
        try:
            checks = list(await asyncio.wait_for(self.view.readiness(), self.read_timeout))
        except TimeoutError:
            checks = [Check("database", False, f"no answer within {self.read_timeout:g} s")]
        except Exception as exc:  # the checks themselves could not run: the database is the usual cause
            log.warning("readiness checks failed: %s", exc)
            checks = [Check("database", False, f"cannot be read: {type(exc).__name__}")]
        self.latest, self.checked_at = checks, self.clock()
        return checks

    def current(self) -> list[Check]:
        """The latest result, or a failing check when the refresher itself has stopped keeping up."""
        if self.checked_at is not None:
            age = self.clock() - self.checked_at
            if age > 3 * self.interval + self.read_timeout:
                return [Check("readiness", False, f"checks have not completed for {age:.0f} s")]
        return self.latest

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.refresh()

    async def running(self, app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: a first result before the server answers, then refresh in the background."""
        await self.refresh()
        self._task = asyncio.create_task(self._refresh_forever(), name="readiness checks")
        try:
            yield
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class HealthRoutes:
    def __init__(
        self, view: OperationsView, metrics: Metrics, readiness: Readiness, read_timeout: float = READ_TIMEOUT
    ):
        self.view = view
        self.metrics = metrics
        self.readiness = readiness
        self.read_timeout = read_timeout

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics_text)
        app.cleanup_ctx.append(self.readiness.running)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(self, request: web.Request) -> web.Response:
        checks = self.readiness.current()
        failing = {c.name: c.detail or "failing" for c in checks if not c.ok}
        if failing:
            return web.json_response({"status": "not ready", "failing": failing}, status=503)
        return web.json_response({"status": "ready", "checks": [c.name for c in checks]})

    async def metrics_text(self, request: web.Request) -> web.Response:
        try:
            overview = await asyncio.wait_for(self.view.overview(), self.read_timeout)
        except Exception as exc:  # counters are still worth serving; the gauges drop out
            log.warning("metrics: cannot read the overview (%s); serving counters only", type(exc).__name__)
            overview = None
        self.metrics.observe(overview)
        body, content_type = self.metrics.render(request.headers.get("Accept", ""))
        return web.Response(body=body, headers={"Content-Type": content_type})
