"""Numbers and dates written the way the language in use writes them (Babel, CLDR data)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from bot.i18n.language import current_language


def number(value: int | float) -> str:
    """1234567 as "1,234,567" in English, "1 234 567" in Ukrainian and Russian."""
    return format_decimal(value, locale=current_language())


def day(value: date | float) -> str:
    """A date (or a Unix time, in UTC) as the language writes it: "Dec 4, 2026", "4 груд. 2026 р."."""
    if not isinstance(value, date):
        value = datetime.fromtimestamp(value, UTC).date()
    return format_date(value, "medium", locale=current_language())


def moment(ts: float, *, seconds: bool = False) -> str:
    """A Unix time in UTC with its date as the language writes it and a 24-hour clock."""
    when = datetime.fromtimestamp(ts, UTC)
    clock = format_time(when, "HH:mm:ss" if seconds else "HH:mm", tzinfo=UTC, locale=current_language())
    return f"{day(when.date())} {clock} UTC"
