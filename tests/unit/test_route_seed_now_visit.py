"""infra/seed/route.py: Erik gets a visit going on now at any minute of the day, fitted between
his planned visits and any visit already booked for him (CI failed at 09:45-10:00 Copenhagen
time, and it failed at 08:15-09:00 and 12:15-13:00 under faketime: the chosen slot overlapped a
visit a test's stack had booked at 09:00 or 13:00, so the seed skipped it and no visit was going
on). Also on the nights the clocks change: on 2026-10-25 the hour 02:00-03:00 comes twice, and
a visit chosen by its wall clock began an hour before the one it meant (ended before "now")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from infra.seed import LOCAL, SeedEnv
from infra.seed.route import ROUTES, _at, _now_visit

ERIK = "hjemmehjaelp-erik"
DAYS = (date(2026, 11, 28), date(2026, 3, 29), date(2026, 10, 25), date(2026, 12, 31))


def _visit(starts: datetime, minutes: int) -> dict:
    return {
        "starts_at": starts.isoformat(),
        "ends_at": (starts.astimezone(UTC) + timedelta(minutes=minutes))
        .astimezone(LOCAL)
        .isoformat(),
    }


def _minutes_of(day: date):
    """Every minute of a local day, in real time (23, 24 or 25 hours)."""
    at = _at(day, "00:00").astimezone(UTC)
    end = _at(day + timedelta(days=1), "00:00").astimezone(UTC)
    while at < end:
        yield at.astimezone(LOCAL)
        at += timedelta(minutes=1)


def _periods(visits: list[dict]) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.fromisoformat(v["starts_at"]), datetime.fromisoformat(v["ends_at"]))
        for v in visits
    ]


@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize("others", [(), (9, 13)], ids=["empty route", "tablet stack's visits"])
def test_the_visit_going_on_now_fits_at_every_minute(day, others):
    env = SeedEnv(gateway="http://gateway.invalid", idp="http://idp.invalid", today=day)
    planned = ROUTES[ERIK]
    route = {"visits": [_visit(_at(day, f"{hour:02d}:00"), 45) for hour in others]}
    fixed = [_visit(_at(day, v[0]), v[1]) for v in planned]
    minutes = 0
    for now in _minutes_of(day):
        minutes += 1
        busy = _periods(route["visits"] + fixed)
        found = _now_visit(env, route, planned, now)
        if any(begin <= now < end for begin, end in busy):
            assert found == [], now  # one is going on already
            continue
        [(clock, length, *_)] = found
        starts = _at(day, clock)
        ends = starts.astimezone(UTC) + timedelta(minutes=length)
        assert starts <= now < ends, now
        assert starts.astimezone(LOCAL).date() == day, now
        assert all(not (starts < end and begin < ends) for begin, end in busy), now
    assert minutes in (23 * 60, 24 * 60, 25 * 60)


def test_not_on_another_day_than_the_seeds():
    env = SeedEnv(gateway="http://gateway.invalid", idp="http://idp.invalid", today=DAYS[0])
    late = datetime(2026, 11, 29, 0, 5, tzinfo=LOCAL)
    assert _now_visit(env, {"visits": []}, ROUTES[ERIK], late) == []
