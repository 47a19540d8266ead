"""A clock a test moves by hand, given to a service wherever it takes `clock=` (each service's
create_app, the notifications sender, the appointments reminders).

It starts at kit.clock.now() (whole seconds) or at a time the test names; `advance` moves it, so
a test of a deadline, an expiry or a retry pause never sleeps. With `real=True` it follows
kit.clock.now() instead, for races between threads that need time to pass.

Tests on the real clock pick their times with the helpers below, so that they pass at any hour:
"today" is the local day in Copenhagen (kit.relations.VisitWindow), which at 23:30 UTC is
already tomorrow, and local days have 23 or 25 hours on the nights the clocks change.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kit import clock as kit_clock


def _now() -> datetime:
    return kit_clock.now().replace(microsecond=0)


@dataclass
class SettableClock:
    now: datetime = field(default_factory=_now)
    real: bool = False  # follow the real clock (kit.clock.now)

    def __call__(self) -> datetime:
        return kit_clock.now() if self.real else self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock on, e.g. `advance(hours=2)`; answers the new time."""
        self.now += timedelta(**delta)
        return self.now

    def set(self, at: datetime) -> datetime:
        self.now = at
        return self.now


COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def local_midnight(now: datetime) -> datetime:
    """The start of `now`'s day in Copenhagen, in UTC."""
    return datetime.combine(now.astimezone(COPENHAGEN).date(), time.min, COPENHAGEN).astimezone(UTC)


def begun_today(now: datetime | None = None, minutes: int = 10) -> datetime:
    """A start that has begun and is today in Copenhagen (UTC, whole seconds): `minutes` ago,
    but never before local midnight (at 00:05 in Copenhagen, ten minutes ago was yesterday)."""
    now = (now or kit_clock.now()).astimezone(UTC).replace(microsecond=0)
    return max(now - timedelta(minutes=minutes), local_midnight(now))


def other_day(now: datetime | None = None, days: int = -2) -> datetime:
    """A time on another local day than `now`'s: `days` whole days of real time away (two or
    more, since a local day lasts up to 25 hours: 24 hours ago can still be today)."""
    assert abs(days) >= 2
    now = (now or kit_clock.now()).astimezone(UTC).replace(microsecond=0)
    return now + timedelta(days=days)


def mid_window(period_s: int = 60) -> Callable[[], float]:
    """A clock (seconds, as time.time) stopped in the middle of the current window of
    `period_s`: hand it to gateway.ratelimit's windows (`.clock`) in a test that fills a
    "3/minute" window, or a minute turning over between its requests resets the count (the
    fourth request is let through; fails when the requests straddle a whole minute)."""
    stopped = (_time.time() // period_s) * period_s + period_s / 2
    return lambda: stopped


def morning(now: datetime | None = None, hour: int = 8) -> datetime:
    """`hour` o'clock in Copenhagen on `now`'s local day, in UTC: where a test on a settable
    clock starts when it moves the clock on by hours and still needs "today" (a visit today
    relates staff to the citizen only until local midnight)."""
    day = (now or kit_clock.now()).astimezone(COPENHAGEN).date()
    return datetime.combine(day, time(hour), COPENHAGEN).astimezone(UTC)
