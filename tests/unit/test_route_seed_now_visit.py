"""infra/seed/route.py: Erik gets a visit going on now at any minute of the day, fitted between
his planned visits and any visit already booked for him (CI failed at 09:45-10:00 Copenhagen
time: the chosen slot overlapped a visit a test's stack had booked at 09:00, so the seed
skipped it and no visit was going on)."""

from datetime import datetime, timedelta
from types import SimpleNamespace

from infra.seed import LOCAL
from infra.seed.route import ROUTES, _at, _now_visit

DAY = datetime(2026, 11, 28, tzinfo=LOCAL).date()
PLANNED = ROUTES["hjemmehjaelp-erik"]


def booked_at(*hours: int) -> dict:
    visits = []
    for hour in hours:
        starts = datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=LOCAL)
        visits.append(
            {
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(minutes=45)).isoformat(),
            }
        )
    return {"visits": visits}


def intervals(route: dict, planned: list) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.fromisoformat(v["starts_at"]), datetime.fromisoformat(v["ends_at"]))
        for v in route["visits"]
    ] + [(_at(DAY, v[0]), _at(DAY, v[0]) + timedelta(minutes=v[1])) for v in planned]


def test_at_every_minute_a_visit_is_going_on_now_and_overlaps_nothing():
    env = SimpleNamespace(today=DAY)
    for route in (booked_at(), booked_at(9, 13)):
        busy = intervals(route, PLANNED)
        for minute in range(24 * 60):
            now = datetime(DAY.year, DAY.month, DAY.day, tzinfo=LOCAL) + timedelta(minutes=minute)
            chosen = _now_visit(env, route, PLANNED, now)
            if any(begin <= now < end for begin, end in busy):
                assert chosen == [], now  # one is going on already
                continue
            [(clock, minutes, *_)] = chosen
            begin = _at(DAY, clock)
            end = begin + timedelta(minutes=minutes)
            assert begin <= now < end, now
            assert all(not (begin < e and b < end) for b, e in busy), now
