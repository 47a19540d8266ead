"""Test data builders for the appointments service: rules, request bodies, people."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.appointments.domain import BookingRules

# A Monday morning in Copenhagen (10:00 CET), a week before the spring-forward Sunday.
T0 = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
# The tests' scheduler: plans every service the tests offer (staff reach citizens by relation).
PLANNER = "planner-test"
WEEKDAYS_8_TO_1530 = {day: [["08:00", "15:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def person() -> str:
    return str(uuid.uuid4())


def cpr() -> str:
    return "0101901234"


def rules_body(staff_ids: list[str], **overrides) -> dict:
    body = {
        "title": "Visitation til hjemmehjælp",
        "kind": "home_visit",
        "opening_hours": WEEKDAYS_8_TO_1530,
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "horizon_days": 30,
        "citizen_cutoff_hours": 24,
        "staff_ids": staff_ids,
        "tasks": ["Visitationssamtale", "Gennemgang af hjemmet"],
        "scheduler_ids": [PLANNER],
    }
    body.update(overrides)
    return body


def make_rules(
    service_id: str = "visitation", staff_ids: tuple[str, ...] = ("nurse-1",), **overrides
) -> BookingRules:
    body = rules_body(list(staff_ids), **overrides)
    return BookingRules(
        service_id=service_id,
        title=body["title"],
        kind=body["kind"],
        opening_hours={d: tuple(tuple(w) for w in ws) for d, ws in body["opening_hours"].items()},
        duration_minutes=body["duration_minutes"],
        buffer_minutes=body["buffer_minutes"],
        horizon_days=body["horizon_days"],
        citizen_cutoff_hours=body["citizen_cutoff_hours"],
        staff_ids=tuple(body["staff_ids"]),
        tasks=tuple(body["tasks"]),
        self_bookable=body.get("self_bookable", True),
    )


def booking(starts_at: datetime | str, service_id: str = "visitation", **overrides) -> dict:
    body = {
        "service_id": service_id,
        "starts_at": starts_at if isinstance(starts_at, str) else starts_at.isoformat(),
        "address": "Rådhuspladsen 1, 1550 København V",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}
