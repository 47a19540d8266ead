"""Use cases of the appointments service: load, decide (domain), save, plan reminders and
record events, in one transaction each.

One module per group of use cases, under usecases/: booking (rules, slots, new
appointments), changes (move, cancel, outcome) and reading. Appointments is all of them
together; the API, the worker and the tests use it from here.
"""

from __future__ import annotations

from kit.idempotency import Idempotency, Outcome
from services.appointments.usecases.base import (
    BOOK,
    READ,
    SCHEDULER,
    STAFF_ROLES,
    Acting,
    CitizenRequired,
    Clock,
    Config,
    NoAuthority,
    new_id,
    utcnow,
)
from services.appointments.usecases.booking import Booking
from services.appointments.usecases.changes import Changes
from services.appointments.usecases.reading import Reading

__all__ = [
    "BOOK",
    "READ",
    "SCHEDULER",
    "STAFF_ROLES",
    "Acting",
    "Appointments",
    "CitizenRequired",
    "Clock",
    "Config",
    "Idempotency",
    "NoAuthority",
    "Outcome",
    "new_id",
    "utcnow",
]


class Appointments(Booking, Changes, Reading):
    """Every use case of the appointments service."""
