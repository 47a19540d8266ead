"""The events the appointments service publishes, built from its rows (topic "appointments")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import schemas.events.appointments as types
from kit.events import Actor, Event
from services.appointments.domain import video_url

TOPIC = "appointments"
SOURCE = "/services/appointments"
REMINDER_ACTOR = Actor.system("appointments-reminders")
# Reminder events get ids derived from the reminder, so even a second attempt to record one
# would collide in the outbox (unique event id) and in every consumer's inbox.
_REMINDER_NAMESPACE = uuid.UUID("5d0c1f3e-8a59-4a8e-9f49-6a1c2a0e7b11")


def _iso(value: datetime) -> str:
    return value.isoformat()


def _event(
    event_type: str,
    appointment: dict[str, Any],
    actor: Actor,
    template: str,
    event_id: str | None = None,
    **data: Any,
) -> Event:
    # Subject (and Kafka key) is the appointment: its events stay in order. Never a CPR.
    body = {
        "appointment_id": appointment["id"],
        "citizen_id": appointment["citizen_id"],
        "kind": appointment["kind"],
        "service_id": appointment["service_id"],
        "starts_at": _iso(appointment["starts_at"]),
        "ends_at": _iso(appointment["ends_at"]),
        "staff_ids": list(appointment["staff_ids"]),
        "video_url": video_url(template, appointment["video_room"]),
        # The municipality's own premises for an office meeting; never a citizen's address.
        "location": (
            appointment.get("location") if appointment["kind"] == "office_meeting" else None
        ),
        **data,
    }
    given_id: dict[str, Any] = {"id": event_id} if event_id else {}
    return Event(
        type=event_type,
        source=SOURCE,
        data=body,
        actor=actor,
        subject=appointment["id"],
        **given_id,
    )


def booked(appointment: dict[str, Any], actor: Actor, template: str) -> Event:
    return _event(types.APPOINTMENT_BOOKED, appointment, actor, template, booked_by=actor.id)


def moved(
    appointment: dict[str, Any], before: dict[str, Any], actor: Actor, template: str
) -> Event:
    return _event(
        types.APPOINTMENT_MOVED,
        appointment,
        actor,
        template,
        moved_by=actor.id,
        previous_starts_at=_iso(before["starts_at"]),
        previous_ends_at=_iso(before["ends_at"]),
        previous_staff_ids=list(before["staff_ids"]),
    )


def cancelled(
    appointment: dict[str, Any], actor: Actor, template: str, reason: str | None
) -> Event:
    return _event(
        types.APPOINTMENT_CANCELLED,
        appointment,
        actor,
        template,
        cancelled_by=actor.id,
        reason=reason,
    )


def outcome(event_type: str, appointment: dict[str, Any], actor: Actor, template: str) -> Event:
    return _event(event_type, appointment, actor, template, recorded_by=actor.id)


def reminder_due(appointment: dict[str, Any], reminder: dict[str, Any], template: str) -> Event:
    return _event(
        types.REMINDER_DUE,
        appointment,
        REMINDER_ACTOR,
        template,
        event_id=str(uuid.uuid5(_REMINDER_NAMESPACE, reminder["id"])),
        reminder_id=reminder["id"],
        due_at=_iso(reminder["due_at"]),
    )


def video(event_type: str, appointment: dict[str, Any], actor: Actor, template: str, **data: Any):
    """A video visit's facts: calls started, ended or never connected; a revoked join link."""
    return _event(event_type, appointment, actor, template, **data)
