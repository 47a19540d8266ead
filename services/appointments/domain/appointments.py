"""What may happen to one appointment: its period and details, its status, what a citizen
may change and until when, its reminder and its video link."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from services.appointments.domain.errors import (
    ChangeDeadlinePassed,
    InvalidAppointment,
    InvalidTransition,
)
from services.appointments.domain.statuses import HOME_VISIT, TRANSITIONS


def check_period(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidAppointment(
            "Sluttidspunktet skal ligge efter starttidspunktet.",
            "The end must lie after the start.",
            code="appointment.invalid_period",
            field="ends_at",
        )
    if ends_at - starts_at > timedelta(hours=12):
        raise InvalidAppointment(
            detail_en="an appointment lasts at most 12 hours",
            code="appointment.invalid_period",
            field="ends_at",
        )


def check_details(kind: str, address: str | None, staff_ids: Iterable[str]) -> None:
    if kind == HOME_VISIT and not (address or "").strip():
        raise InvalidAppointment(
            "Et hjemmebesøg skal have en adresse.",
            "A home visit needs an address.",
            code="appointment.address_required",
            field="address",
        )
    if not list(staff_ids):
        raise InvalidAppointment(
            "Angiv mindst én medarbejder.",
            "Name at least one staff member.",
            code="appointment.staff_required",
            field="staff_ids",
        )


def transition(status: str, to: str) -> str:
    if to not in TRANSITIONS[status]:
        raise InvalidTransition(extra={"status": status, "wanted": to})
    return to


def check_citizen_may_change(starts_at: datetime, cutoff_hours: int, now: datetime) -> None:
    """Citizens move or cancel no later than the cutoff before the appointment starts."""
    if starts_at - now < timedelta(hours=cutoff_hours):
        raise ChangeDeadlinePassed(
            f"Du kan kun selv ændre eller aflyse til {cutoff_hours} timer før.",
            f"You can only change or cancel yourself until {cutoff_hours} hours before.",
            extra={"cutoff_hours": cutoff_hours},
        )


def check_outcome_time(starts_at: datetime, now: datetime) -> None:
    """Completed or no-show can be recorded only once the visit has begun."""
    if now < starts_at:
        raise InvalidTransition(
            "Besøget er ikke begyndt endnu.",
            "The visit has not begun yet.",
            code="appointment.not_started",
        )


def reminder_due_at(starts_at: datetime, lead: timedelta, now: datetime) -> datetime | None:
    """When to remind of a visit: `lead` before it, or at once if that moment has passed
    (a late reminder of a new time beats none); None if the visit has begun."""
    if starts_at <= now:
        return None
    return max(starts_at - lead, now)


def video_url(template: str, room: str | None) -> str | None:
    """The join link from the municipality's video provider; we hold only the room name."""
    if room is None or not template:
        return None
    return template.replace("{room}", room)
