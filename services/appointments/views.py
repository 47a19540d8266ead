"""JSON shapes of the appointments API: every time shown in Europe/Copenhagen (with offset)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.appointments.domain import LOCAL, BookingRules, Slot, video_url


def local(instant: datetime | None) -> str | None:
    return instant.astimezone(LOCAL).isoformat() if instant is not None else None


def rules(r: BookingRules) -> dict[str, Any]:
    return {
        "service_id": r.service_id,
        "title": r.title,
        "kind": r.kind,
        "opening_hours": {d: [list(w) for w in ws] for d, ws in r.opening_hours.items()},
        "duration_minutes": r.duration_minutes,
        "buffer_minutes": r.buffer_minutes,
        "horizon_days": r.horizon_days,
        "citizen_cutoff_hours": r.citizen_cutoff_hours,
        "staff_ids": list(r.staff_ids),
        "self_bookable": r.self_bookable,
        "tasks": list(r.tasks),
        "location": r.location,
        "reminder_minutes_before": r.reminder_minutes_before,
        "scheduler_ids": list(r.scheduler_ids),
        "time_zone": LOCAL.key,
    }


def slot(s: Slot) -> dict[str, Any]:
    return {
        "starts_at": local(s.starts_at),
        "ends_at": local(s.ends_at),
        "free_staff": len(s.free_staff),
    }


def appointment(
    row: dict[str, Any], template: str, history: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body = {
        "id": row["id"],
        "citizen_id": row["citizen_id"],
        "citizen_name": row["citizen_name"],
        "kind": row["kind"],
        "service_id": row["service_id"],
        "status": row["status"],
        "starts_at": local(row["starts_at"]),
        "ends_at": local(row["ends_at"]),
        "staff_ids": list(row["staff_ids"]),
        "address": row["address"],
        "location": row["location"],
        "tasks": list(row["tasks"]),
        "note": row["note"],
        "video_url": video_url(template, row["video_room"]),
        "citizen_may_change_until": local(_cutoff(row)),
        "created_at": local(row["created_at"]),
        "updated_at": local(row["updated_at"]),
    }
    if history is not None:
        body["history"] = [
            {
                "status": h["status"],
                "starts_at": local(h["starts_at"]),
                "ends_at": local(h["ends_at"]),
                "staff_ids": list(h["staff_ids"]),
                "at": local(h["at"]),
                "by": h["by"],
                "by_kind": h["by_kind"],
                "on_behalf_of": h["on_behalf_of"],
                "reason": h["reason"],
            }
            for h in history
        ]
    return body


def _cutoff(row: dict[str, Any]) -> datetime:
    return row["starts_at"] - timedelta(hours=row["cutoff_hours"])


def route_stop(row: dict[str, Any], template: str) -> dict[str, Any]:
    """One visit on a staff member's day route (kørebog)."""
    return {
        "appointment_id": row["id"],
        "citizen_id": row["citizen_id"],
        "citizen_name": row["citizen_name"],
        "kind": row["kind"],
        "status": row["status"],
        "starts_at": local(row["starts_at"]),
        "ends_at": local(row["ends_at"]),
        "address": row["address"],
        "location": row["location"],
        "tasks": list(row["tasks"]),
        "note": row["note"],
        "video_url": video_url(template, row["video_room"]),
        "colleagues": list(row["staff_ids"]),
    }


def video_call(call: dict[str, Any]) -> dict[str, Any]:
    """One video call of a visit, as the signalling saw it (docs/video.md)."""
    return {
        "call_id": call["call_id"],
        "outcome": call["outcome"],  # started (still on), ended, not_connected
        "host_id": call["host_id"],
        "attempted_at": local(call["attempted_at"]),
        "started_at": local(call["started_at"]),
        "ended_at": local(call["ended_at"]),
        "duration_seconds": call["duration_seconds"],
        "participants": call["participants"],
        "reason": call["reason"],
    }
