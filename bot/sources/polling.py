"""When each feed is fetched next: pure decisions from its last outcome and a clock the caller passes in.

Storage keeps a FeedSchedule per feed; the poller asks it for feeds whose ``next_due`` has passed, fetches them,
and stores ``after_success`` / ``after_failure`` of the result. Nothing here reads the wall clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

DAY = timedelta(days=1)
MIN_MINUTES = 0.01  # tests poll fast; operators are unlikely to go below 1
MAX_MINUTES = 7 * 24 * 60
JITTER = 0.1  # each next fetch lands within ±10% of the interval
STOPPING_STATUSES = frozenset({404, 410})

OK, RETRYING, FAILING, STOPPED = "ok", "retrying", "failing", "stopped"


@dataclass(frozen=True, slots=True)
class FeedSchedule:
    next_due: datetime | None  # None: stopped until an operator acts
    failures: int = 0  # consecutive
    failing_since: datetime | None = None  # first failure of the current run of failures
    status: str = OK  # ok, retrying, failing (a day of failures), stopped (404/410)


def parse_minutes(text: str) -> float:
    """An operator's MINUTES ("15", "0.5"); ValueError with a one-line reason otherwise."""
    try:
        minutes = float(text.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"minutes must be a number, not {text[:40]!r}") from None
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:  # also refuses nan and inf
        raise ValueError(f"minutes must be between {MIN_MINUTES:g} and {MAX_MINUTES} (a week)")
    return minutes


def first_schedule(now: datetime, minutes: float, rng: random.Random) -> FeedSchedule:
    """For feeds added in bulk (an OPML import): due somewhere within the first interval, not all at once."""
    return FeedSchedule(next_due=now + timedelta(minutes=minutes) * rng.random())


def after_success(now: datetime, minutes: float, rng: random.Random) -> FeedSchedule:
    """A 200 or a 304: back to the feed's own interval, with jitter."""
    return FeedSchedule(next_due=now + _jittered(timedelta(minutes=minutes), rng))


def after_failure(
    previous: FeedSchedule,
    now: datetime,
    minutes: float,
    rng: random.Random,
    *,
    status: int | None = None,
    retry_after: float | None = None,
) -> FeedSchedule:
    """Exponential backoff from the interval, capped at a day, never sooner than Retry-After; 404/410 stop."""
    failures = previous.failures + 1
    since = previous.failing_since or now
    if status in STOPPING_STATUSES:
        return FeedSchedule(next_due=None, failures=failures, failing_since=since, status=STOPPED)
    base = timedelta(minutes=minutes)
    backoff = min(base * (2 ** min(failures, 30)), DAY)
    delay = min(_jittered(backoff, rng), DAY)
    if retry_after is not None:
        delay = max(delay, min(timedelta(seconds=retry_after), DAY))
    status_now = FAILING if now - since >= DAY else RETRYING
    return FeedSchedule(next_due=now + delay, failures=failures, failing_since=since, status=status_now)


def resumed(now: datetime) -> FeedSchedule:
    """An operator re-enabled a stopped feed (or asked for a fetch now): due at once, failures forgotten."""
    return FeedSchedule(next_due=now)


def is_due(schedule: FeedSchedule, now: datetime) -> bool:
    return schedule.next_due is not None and schedule.next_due <= now


def _jittered(delay: timedelta, rng: random.Random) -> timedelta:
    return delay * (1 + JITTER * (2 * rng.random() - 1))
