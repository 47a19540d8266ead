"""What each platform event means to process mining: an activity, the objects it touches, and
the few attributes analyses need. Pure; the one place that decides what the insight store keeps.

Only allow-listed attributes are kept: no CPR number, name, address, free text (messages,
reasons, titles) ever reaches the insight store, let alone an export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kit.events import Event

# event type (without prefix and version) -> activity name in the log
ACTIVITIES: dict[str, str] = {
    "application.created": "application created",
    "application.updated": "answers saved",
    "application.submitted": "application submitted",
    "application.information_requested": "information requested",
    "application.document_added": "document added",
    "application.decided": "decided",
    "application.paid_out": "paid out",
    "application.withdrawn": "application withdrawn",
    "application.data_fetched": "data fetched",
    "consent.given": "consent given",
    "consent.withdrawn": "consent withdrawn",
    "consent.expired": "consent expired",
    "proxy.granted": "proxy granted",
    "proxy.revoked": "proxy revoked",
    "proxy.expired": "proxy expired",
    "appointment.booked": "appointment booked",
    "appointment.moved": "appointment moved",
    "appointment.cancelled": "appointment cancelled",
    "appointment.completed": "appointment completed",
    "appointment.no_show": "appointment no-show",
    "notification.created": "message created",
    "notification.delivered": "message delivered",
    "notification.failed": "message failed",
}
# Status changes are named by where they lead (draft -> submitted is "application submitted").
STATUS_ACTIVITIES = {
    "under_review": "review started",
    "awaiting_citizen": "awaiting citizen",
    "closed": "case closed",
}
# These changes have an event of their own (decided, paid out, withdrawn, submitted).
STATUS_TOLD_ELSEWHERE = frozenset({"decided", "paid_out", "withdrawn", "submitted"})
RESUMED = "information received"  # awaiting_citizen -> under_review: the citizen answered

# Which data keys hold which object's id (object type -> keys).
OBJECT_KEYS: dict[str, tuple[str, ...]] = {
    "application": ("application_id",),
    "citizen": ("citizen_id",),
    "consent": ("consent_id",),
    "appointment": ("appointment_id",),
    "message": ("message_id",),
    "document": ("document_id", "letter_document_id"),
    "proxy": ("proxy_id",),
}
# Attributes kept per event (never free text or personal data).
KEPT = frozenset(
    {
        "type_id",
        "changed_fields",
        "version",
        "warnings",
        "from_state",
        "to_state",
        "outcome",
        "deadline",
        "direction",
        "amount_ore",
        "source",
        "purpose",
        "data_categories",
        "sources",
        "case_ref",
        "kind",
        "scopes",
        "starts_at",
        "ends_at",
        "service_id",
        "recipient_role",
        "template_id",
        "trigger_event_id",
        "trigger_type",
        "language",
        "attempt",
        "permanent",
        "status",
    }
)


@dataclass(frozen=True)
class Occurrence:
    """One event as the log sees it."""

    event_id: str
    activity: str
    event_type: str
    time: Any
    channel: str
    actor_id: str
    actor_type: str
    on_behalf_of: str | None
    correlation_id: str
    objects: dict[str, list[str]] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)


def short_type(event_type: str) -> str:
    """dk.selvbetjening.application.submitted.v1 -> application.submitted"""
    parts = event_type.split(".")
    return ".".join(parts[2:-1])


def activity_of(event_type: str, data: dict[str, Any]) -> str | None:
    kind = short_type(event_type)
    if kind == "application.status_changed":
        if data.get("from_state") == "awaiting_citizen" and data.get("to_state") == "under_review":
            return RESUMED
        if data.get("to_state") in STATUS_TOLD_ELSEWHERE:
            return None  # the fact's own event says it already
        return STATUS_ACTIVITIES.get(str(data.get("to_state")), f"status {data.get('to_state')}")
    return ACTIVITIES.get(kind)


def occurrence(event: Event) -> Occurrence | None:
    """The log's view of an event, or None for events the log does not need."""
    activity = activity_of(event.type, event.data)
    if activity is None:
        return None
    objects: dict[str, list[str]] = {}
    for object_type, keys in OBJECT_KEYS.items():
        ids = [str(event.data[key]) for key in keys if event.data.get(key)]
        if ids:
            objects[object_type] = ids
    staff = [str(s) for s in event.data.get("staff_ids") or []]
    if event.actor.type == "staff":
        staff.append(event.actor.id)
    if event.data.get("attested_by"):
        staff.append(str(event.data["attested_by"]))
    if staff:
        objects["staff"] = sorted(set(staff))
    attributes = {key: event.data[key] for key in KEPT if event.data.get(key) is not None}
    return Occurrence(
        event_id=event.id,
        activity=activity,
        event_type=short_type(event.type),
        time=event.time,
        channel=event.actor.channel,
        actor_id=event.actor.id,
        actor_type=event.actor.type,
        on_behalf_of=event.actor.on_behalf_of,
        correlation_id=event.correlation_id,
        objects=objects,
        attributes=attributes,
    )
