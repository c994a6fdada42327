"""`/healthz` (liveness), `/readyz` (readiness from the core's checks) and `/metrics` (Prometheus text)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.web.metrics import Metrics
from bot.web.ports import Check, OperationsView

log = logging.getLogger(__name__)

READ_TIMEOUT = 2.0  # a database that does not answer in this long counts as not readable


class HealthRoutes:
    def __init__(self, view: OperationsView, metrics: Metrics, read_timeout: float = READ_TIMEOUT):
        self.view = view
        self.metrics = metrics
        self.read_timeout = read_timeout

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics_text)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(self, request: web.Request) -> web.Response:
        checks = await self._checks()
        failing = {c.name: c.detail or "failing" for c in checks if not c.ok}
        if failing:
            return web.json_response({"status": "not ready", "failing": failing}, status=503)
        return web.json_response({"status": "ready", "checks": [c.name for c in checks]})

    async def _checks(self) -> list[Check]:
        try:
            return list(await asyncio.wait_for(self.view.readiness(), self.read_timeout))
        except asyncio.TimeoutError:
            return [Check("database", False, f"no answer within {self.read_timeout:g} s")]
        except Exception as exc:  # the checks themselves could not run: the database is the usual cause
            log.warning("readiness checks failed: %s", exc)
            return [Check("database", False, f"cannot be read: {type(exc).__name__}")]

    async def metrics_text(self, request: web.Request) -> web.Response:
        try:
            overview = await asyncio.wait_for(self.view.overview(), self.read_timeout)
        except Exception as exc:  # counters are still worth serving; the gauges drop out
            log.warning("metrics: cannot read the overview (%s); serving counters only", type(exc).__name__)
            overview = None
        self.metrics.observe(overview)
        body, content_type = self.metrics.render(request.headers.get("Accept", ""))
        return web.Response(body=body, headers={"Content-Type": content_type})
