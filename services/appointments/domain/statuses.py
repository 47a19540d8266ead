"""Kinds of appointment, the status machine, and the time zone rules are written in."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from schemas.events.appointments import KINDS

LOCAL = ZoneInfo("Europe/Copenhagen")
HOME_VISIT, VIDEO_VISIT, OFFICE_MEETING = KINDS
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

BOOKED, RESCHEDULED, CANCELLED, COMPLETED, NO_SHOW = (
    "booked",
    "rescheduled",
    "cancelled",
    "completed",
    "no_show",
)
STATUSES = (BOOKED, RESCHEDULED, CANCELLED, COMPLETED, NO_SHOW)
# Statuses in which the appointment holds its staff's time.
HOLDS_TIME = frozenset({BOOKED, RESCHEDULED, COMPLETED, NO_SHOW})
# Every allowed transition; anything else is appointment.invalid_transition.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    BOOKED: frozenset({RESCHEDULED, CANCELLED, COMPLETED, NO_SHOW}),
    RESCHEDULED: frozenset({RESCHEDULED, CANCELLED, COMPLETED, NO_SHOW}),
    CANCELLED: frozenset(),
    COMPLETED: frozenset(),
    NO_SHOW: frozenset(),
}
