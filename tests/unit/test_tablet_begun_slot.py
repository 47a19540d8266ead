"""The tablet tests book Erik a visit that has begun; at every minute of the day it must have
begun, be today, and keep out of the two visits the tablet stack seeds (09:00 and 13:00): the
suite failed in CI when it ran between 08:15 and 09:45 Copenhagen time. Also on the nights the
clocks change (a 23- and a 25-hour day), and for the other tests' visit "today" that has begun
(tests/harness/clock.py: at 00:05 in Copenhagen, ten minutes ago was yesterday)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.harness.clock import begun_today, local_midnight, other_day
from tests.harness.tablet_stack import COPENHAGEN, VISIT, begun_slot

DAYS = (date(2026, 11, 28), date(2026, 3, 29), date(2026, 10, 25), date(2026, 12, 31))


def minutes_of(day: date):
    """Every minute of a local day in real time, with the day's local midnight."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=COPENHAGEN).astimezone(UTC)
    at, end = midnight, (midnight + timedelta(hours=30)).astimezone(COPENHAGEN)
    end = datetime(end.year, end.month, end.day, tzinfo=COPENHAGEN).astimezone(UTC)
    while at < end:
        yield midnight, at.astimezone(COPENHAGEN)
        at += timedelta(minutes=1)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_begun_visit_fits_at_every_minute_of_the_day(day):
    seeded = [
        (start, start + VISIT)
        for start in (datetime(day.year, day.month, day.day, h, tzinfo=COPENHAGEN) for h in (9, 13))
    ]
    count = 0
    for midnight, now in minutes_of(day):
        count += 1
        starts = begun_slot(now, seeded).astimezone(UTC)  # compared in UTC: wall clocks lie
        assert midnight <= starts <= now.astimezone(UTC), now
        assert starts.astimezone(COPENHAGEN).date() == day, now
        assert all(not (starts < end and begin < starts + VISIT) for begin, end in seeded), now
    assert count in (23 * 60, 24 * 60, 25 * 60)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_visit_today_that_has_begun_at_every_minute_of_the_day(day):
    for midnight, now in minutes_of(day):
        starts = begun_today(now)
        assert (
            midnight <= starts <= now.astimezone(UTC)
            and starts.astimezone(COPENHAGEN).date() == day
        ), now
        assert local_midnight(now) == midnight
        assert other_day(now).astimezone(COPENHAGEN).date() != day, now
        assert other_day(now, days=2).astimezone(COPENHAGEN).date() != day, now


def test_without_seeded_visits_the_visit_began_ten_minutes_ago():
    now = datetime(2026, 11, 28, 10, 30, 17, tzinfo=COPENHAGEN)
    assert begun_slot(now, []) == datetime(2026, 11, 28, 10, 20, tzinfo=COPENHAGEN)
    assert begun_today(now) == datetime(2026, 11, 28, 10, 20, 17, tzinfo=COPENHAGEN)


def test_ten_minutes_before_five_past_three_on_the_spring_night_is_five_to_two():
    now = datetime(2026, 3, 29, 3, 5, tzinfo=COPENHAGEN)  # summer time began at 02:00 -> 03:00
    assert begun_slot(now, []) == datetime(2026, 3, 29, 1, 55, tzinfo=COPENHAGEN)
