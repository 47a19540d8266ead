"""The platform's one clock: real UTC time, or, for demo data only, a time the caller names.

`now()` is what services use for "now" (event times, deadlines, history). A demo-data generator
may replay a year of history through the real APIs by sending `X-SB-Demo-Time` (an ISO 8601
time with offset) with each request; it is honoured only when `SB_DEMO_CLOCK=1`, which
`make run` sets and which a production start refuses (kit.adapters), so a real client can never
move a real case's clock. A consumer handling an event of demo history (an event whose time lies
well in the past while the demo clock is on) runs at that event's time, so what it causes (a
receipt, say) belongs to the same history; all other background work runs on real time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DEMO_HEADER = "X-SB-Demo-Time"
DEMO_SETTING = "SB_DEMO_CLOCK"

_override: ContextVar[datetime | None] = ContextVar("sb_demo_time", default=None)


def now() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return _override.get() or datetime.now(UTC)


LOCAL = ZoneInfo("Europe/Copenhagen")  # the municipality's time zone: its days and years


def local_date(instant: datetime) -> date:
    """The date in Copenhagen of an instant (at 23:30 UTC it is already tomorrow there): the
    date a letter, a document, a deadline or a case number's year is reckoned by."""
    return instant.astimezone(LOCAL).date()


def demo_clock_enabled() -> bool:
    return os.environ.get(DEMO_SETTING, "") == "1"


DEMO_HISTORY_AGE = timedelta(minutes=10)


def demo_time_of(event_time: datetime) -> datetime | None:
    """The time a consumer should work at for an event: the event's own time when it is demo
    history (demo clock on, and older than DEMO_HISTORY_AGE), else None (real time)."""
    if demo_clock_enabled() and event_time < datetime.now(UTC) - DEMO_HISTORY_AGE:
        return event_time
    return None


def parse_demo_time(value: str) -> datetime | None:
    """The time a demo request names, or None when it is not an aware ISO 8601 time."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


@contextmanager
def demo_time(at: datetime | None) -> Iterator[None]:
    """Within the block, `now()` answers `at` (None: real time)."""
    token = _override.set(at)
    try:
        yield
    finally:
        _override.reset(token)


def set_demo_time(at: datetime | None):
    """Set for the current context; returns the token for `reset_demo_time`."""
    return _override.set(at)


def reset_demo_time(token) -> None:
    _override.reset(token)
