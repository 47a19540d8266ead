"""A clock a test moves by hand, given to a service wherever it takes `clock=` (each service's
create_app, the notifications sender, the appointments reminders).

It starts at kit.clock.now() (whole seconds) or at a time the test names; `advance` moves it, so
a test of a deadline, an expiry or a retry pause never sleeps. With `real=True` it follows
kit.clock.now() instead, for races between threads that need time to pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
