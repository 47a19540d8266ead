"""The tablet tests book Erik a visit that has begun; at every minute of the day it must have
begun, be today, and keep out of the two visits the tablet stack seeds (09:00 and 13:00): the
suite failed in CI when it ran between 08:15 and 09:45 Copenhagen time."""

from datetime import datetime, timedelta

from tests.harness.tablet_stack import COPENHAGEN, VISIT, begun_slot


def test_a_begun_visit_fits_at_every_minute_of_the_day():
    day = datetime(2026, 11, 28, tzinfo=COPENHAGEN)
    seeded = [(day.replace(hour=h), day.replace(hour=h) + VISIT) for h in (9, 13)]
    for minute in range(24 * 60):
        now = day + timedelta(minutes=minute)
        starts = begun_slot(now, seeded)
        assert day <= starts <= now, now
        assert all(not (starts < end and begin < starts + VISIT) for begin, end in seeded), now


def test_without_seeded_visits_the_visit_began_ten_minutes_ago():
    now = datetime(2026, 11, 28, 10, 30, 17, tzinfo=COPENHAGEN)
    assert begun_slot(now, []) == datetime(2026, 11, 28, 10, 20, tzinfo=COPENHAGEN)
