"""When a daily digest is due: pure functions of the subscription and a clock passed in.

The scheduler only ticks; this decides. One digest per subscription per local date, sent
at the first tick at or after the local time (so a digest missed while the service was
down goes out at start). A time skipped by a daylight-saving jump is taken at the offset
before the jump; a time repeated when daylight saving ends counts once, being one date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def scheduled_instant(day: date, at: str, tz: str) -> datetime:
    """The UTC instant of local time `at` ("HH:MM") on `day` in zone `tz`."""
    hour, minute = (int(x) for x in at.split(":"))
    local = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))
    # Round-trip through UTC so a wall time inside a spring-forward gap gets a real instant.
    return local.astimezone(UTC)


def due_digest(
    at: str, tz: str, last_date: str | None, started_at: float, now: datetime
) -> tuple[str, datetime] | None:
    """(local date, scheduled UTC instant) of the digest to send now, or None.

    The candidate is the latest scheduled time not after `now` (today's, else yesterday's);
    it is due unless that local date was already sent or it fell before the subscription began.
    """
    local_today = now.astimezone(ZoneInfo(tz)).date()
    for day in (local_today, local_today - timedelta(days=1)):
        instant = scheduled_instant(day, at, tz)
        if instant <= now:
            if last_date == day.isoformat() or instant.timestamp() < started_at:
                return None
            return day.isoformat(), instant
    return None


def previous_instant(day: str, at: str, tz: str) -> datetime:
    """The scheduled instant of the day before: the start of a digest's window."""
    return scheduled_instant(date.fromisoformat(day) - timedelta(days=1), at, tz)
