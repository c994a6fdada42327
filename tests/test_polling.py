"""Polling decisions from a clock passed in: jitter, backoff to a day, Retry-After, failing, stopped."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.sources.polling import (
    DAY,
    FAILING,
    OK,
    RETRYING,
    STOPPED,
    FeedSchedule,
    after_failure,
    after_success,
    first_schedule,
    is_due,
    parse_minutes,
    resumed,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_success_is_due_after_the_interval_within_ten_percent():
    rng = random.Random(7)
    dues = [after_success(NOW, 15, rng).next_due - NOW for _ in range(500)]
    assert min(dues) >= timedelta(minutes=13.5) and max(dues) <= timedelta(minutes=16.5)
    assert max(dues) - min(dues) > timedelta(minutes=2)  # spread, not one instant
    assert after_success(NOW, 0.5, random.Random(1)).next_due - NOW <= timedelta(seconds=33)


def test_same_seed_same_schedule():
    assert after_success(NOW, 15, random.Random(3)) == after_success(NOW, 15, random.Random(3))


def test_a_thousand_feeds_added_at_once_spread_over_the_interval():
    rng = random.Random(11)
    dues = sorted(first_schedule(NOW, 15, rng).next_due for _ in range(1000))
    assert dues[0] >= NOW and dues[-1] <= NOW + timedelta(minutes=15)
    per_second = max(sum(1 for d in dues if int((d - NOW).total_seconds()) == s) for s in range(900))
    assert per_second <= 10


def test_failures_back_off_exponentially_and_cap_at_a_day():
    rng = random.Random(5)
    schedule, now, delays = after_success(NOW, 15, rng), NOW, []
    for _ in range(12):
        schedule = after_failure(schedule, now, 15, rng, status=500)
        delays.append(schedule.next_due - now)
        now = schedule.next_due
    assert delays[0] >= timedelta(minutes=27) and delays[1] >= timedelta(minutes=54)
    assert all(later >= earlier * 1.5 for earlier, later in itertools.pairwise(delays[:6]))
    assert max(delays) <= DAY and delays[-1] >= DAY * 0.9  # capped (jitter only downwards), still retried
    assert schedule.failures == 12


def test_a_day_of_failures_is_failing_and_success_clears_it():
    rng = random.Random(2)
    first = after_failure(FeedSchedule(NOW), NOW, 15, rng)
    assert first.status == RETRYING and first.failing_since == NOW
    later = after_failure(first, NOW + timedelta(hours=23), 15, rng)
    assert later.status == RETRYING and later.failing_since == NOW
    day = after_failure(later, NOW + DAY, 15, rng)
    assert day.status == FAILING and day.next_due is not None
    healed = after_success(NOW + DAY, 15, rng)
    assert healed.status == OK and healed.failures == 0 and healed.failing_since is None


def test_retry_after_is_honoured_but_capped():
    rng = random.Random(9)
    slow_down = after_failure(FeedSchedule(NOW), NOW, 1, rng, status=429, retry_after=3600)
    assert slow_down.next_due - NOW == timedelta(hours=1)
    short = after_failure(FeedSchedule(NOW), NOW, 15, rng, status=503, retry_after=5)
    assert short.next_due - NOW >= timedelta(minutes=27)  # backoff wins when longer
    absurd = after_failure(FeedSchedule(NOW), NOW, 15, rng, status=429, retry_after=10**9)
    assert absurd.next_due - NOW == DAY


@pytest.mark.parametrize("status", [404, 410])
def test_gone_stops_until_an_operator_acts(status):
    stopped = after_failure(FeedSchedule(NOW), NOW, 15, random.Random(1), status=status)
    assert stopped.status == STOPPED and stopped.next_due is None
    assert not is_due(stopped, NOW + 100 * DAY)
    assert is_due(resumed(NOW + DAY), NOW + DAY)


def test_is_due_compares_with_the_clock_given():
    schedule = FeedSchedule(next_due=NOW)
    assert is_due(schedule, NOW) and not is_due(schedule, NOW - timedelta(seconds=1))


@pytest.mark.parametrize("text, minutes", [("15", 15.0), ("0.5", 0.5), (" 2,5 ", 2.5), ("10080", 10080.0)])
def test_minutes_may_be_decimal(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["0", "-5", "nan", "inf", "abc", "", "10081", "1e9"])
def test_bad_minutes_are_refused_in_one_line(text):
    with pytest.raises(ValueError) as caught:
        parse_minutes(text)
    assert "minutes must be" in str(caught.value)
