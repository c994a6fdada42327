"""Prometheus metrics with prometheus-client: counters the service feeds, gauges read at scrape time.

The service calls the `Metrics` methods from the command router, the delivery worker and the
content loader; `/metrics` refreshes the scrape-time gauges from an `Overview` and renders.
Label values are bounded: anything unexpected is counted as "other", never as an id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from bot.web.ports import Overview

PREFIX = "briefing_bot"
DELIVERY_OUTCOMES = frozenset({"sent", "retried", "rate_limited", "failed"})
_LABEL_VALUE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_VALUES_PER_LABEL = 50  # past this, new values count as "other": a bug must not flood Prometheus
COMMAND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _BoundedLabel:
    """Maps free-form label values to a small set: lower-case words, at most MAX_VALUES_PER_LABEL."""

    def __init__(self, allowed: Iterable[str] | None = None):
        self.allowed = frozenset(allowed) if allowed is not None else None
        self.seen: set[str] = set()

    def __call__(self, value: str) -> str:
        value = (value or "").strip().lower().lstrip("/").replace("-", "_")
        if self.allowed is not None:
            return value if value in self.allowed else "other"
        if not _LABEL_VALUE.match(value):
            return "other"
        if value not in self.seen:
            if len(self.seen) >= MAX_VALUES_PER_LABEL:
                return "other"
            self.seen.add(value)
        return value


class _OverviewCollector(Collector):
    """Gauges computed from the latest Overview, so platforms that vanish leave no stale series."""

    def __init__(self) -> None:
        self.overview: Overview | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        o = self.overview
        if o is None:
            return
        yield GaugeMetricFamily(f"{PREFIX}_briefings", "Briefings currently served.", value=o.briefings)
        yield GaugeMetricFamily(f"{PREFIX}_outbox_depth", "Deliveries pending or being sent.", value=o.pending)
        age = 0.0 if o.oldest_pending_at is None else max(0.0, o.now - o.oldest_pending_at)
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending delivery (0 when none is pending).",
            value=age,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_delivery_stalled",
            "1 while the watchdog finds delivery stuck.",
            value=1 if o.stalled else 0,
        )
        subs = GaugeMetricFamily(
            f"{PREFIX}_subscriptions", "Subscriptions by platform and state.", labels=["platform", "state"]
        )
        for row in o.subscriptions:
            subs.add_metric([row.platform, "active"], row.active)
            subs.add_metric([row.platform, "inactive"], row.inactive)
        yield subs
        for name, at, text in (
            ("last_delivery", o.last_delivery_at, "Time of the last successful delivery (Unix seconds)."),
            ("last_refresh", o.last_refresh_at, "Time of the last content refresh (Unix seconds)."),
        ):
            if at is not None:
                yield GaugeMetricFamily(f"{PREFIX}_{name}_timestamp_seconds", text, value=at)


class Metrics:
    """One registry per service (tests make their own, so nothing leaks between them)."""

    def __init__(self, commands: Iterable[str] | None = None) -> None:
        self.registry = CollectorRegistry()
        self._command = _BoundedLabel(commands)
        self._platform = _BoundedLabel()
        self._outcome = _BoundedLabel()
        self._delivery_outcome = _BoundedLabel(DELIVERY_OUTCOMES)
        self._commands = Counter(
            f"{PREFIX}_commands",
            "Commands handled, by command, platform and outcome.",
            ["command", "platform", "outcome"],
            registry=self.registry,
        )
        self._command_seconds = Histogram(
            f"{PREFIX}_command_duration_seconds",
            "Time to handle a command, by platform.",
            ["platform"],
            buckets=COMMAND_BUCKETS,
            registry=self.registry,
        )
        self._deliveries = Counter(
            f"{PREFIX}_deliveries",
            "Alert delivery attempts by platform and outcome.",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self._reloads = Counter(
            f"{PREFIX}_content_reloads",
            "Content reloads by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self._feed_fetches = Counter(
            f"{PREFIX}_feed_fetches",
            "Feed fetches by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self._overview = _OverviewCollector()
        self.registry.register(self._overview)

    def command_handled(self, command: str, platform: str, outcome: str, seconds: float) -> None:
        """outcome: e.g. "ok", "usage", "denied", "error"."""
        platform = self._platform(platform)
        self._commands.labels(self._command(command), platform, self._outcome(outcome)).inc()
        self._command_seconds.labels(platform).observe(max(0.0, seconds))

    def delivery(self, platform: str, outcome: str, count: int = 1) -> None:
        """outcome: "sent", "retried", "rate_limited" or "failed" (permanently)."""
        if count > 0:
            self._deliveries.labels(self._platform(platform), self._delivery_outcome(outcome)).inc(count)

    def reload(self, outcome: str) -> None:
        """outcome: "ok" or "error" (some file skipped, or the reload failed)."""
        self._reloads.labels(self._outcome(outcome)).inc()

    def feed_fetch(self, outcome: str) -> None:
        self._feed_fetches.labels(self._outcome(outcome)).inc()

    def observe(self, overview: Overview | None) -> None:
        """The gauges' source for the next scrape (None drops them: the database could not be read)."""
        self._overview.overview = overview

    def render(self, accept: str = "") -> tuple[bytes, str]:
        """(body, content type) in the format the scraper's Accept header asks for (Prometheus text by default)."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type
