"""Which staff member may read, book and change which citizen's appointments: the relations
this service's data proves, handed to kit.policy (docs/decisions/0016).

- the planner of a service (its rules' `scheduler_ids`) books under it, and reads, moves and
  cancels the appointments booked under it;
- the staff of an appointment read it and move, cancel or record it, on any day;
- visiting staff with a visit to the citizen today read the citizen's appointments, others'
  without their note, history or video link (what the visit needs), and book the next one;
- a caseworker with an open case of the citizen assigned to them (the applications service's
  events) reads, books, moves and cancels the citizen's appointments;
- break-glass (kit.break_glass) reads them all, changes nothing.

No relation: 404, as if there were nothing. A relation that only reads: 403 on a change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from kit import break_glass, policy, relations
from kit.auth import Principal
from services.appointments import store

FULL, VISIT_SUMMARY = "full", "visit_summary"  # how much of an appointment a reader sees
# What another staff member's appointment shows on a visit: not their note, history or link.
HIDDEN_ON_A_VISIT = ("note", "history", "video_url")


def relations_to(
    conn: Connection,
    principal: Principal,
    citizen_id: str,
    now: datetime,
    window: relations.VisitWindow,
    *,
    appointment: dict[str, Any] | None = None,
    service_id: str | None = None,
) -> policy.Relations:
    """What relates the staff member to the citizen right now: for one appointment, for a
    booking under a service, or (neither) for the citizen's appointments as a whole."""
    staff_id = principal.subject
    planned = {r.service_id for r in store.planned_by(conn, staff_id)}
    if appointment is not None:
        plans = appointment["service_id"] in planned
        own = staff_id in appointment["staff_ids"]
    elif service_id is not None:
        plans, own = service_id in planned, False
    else:
        plans = any(a["service_id"] in planned for a in store.appointments_of(conn, citizen_id))
        own = False
    return policy.Relations(
        assigned=relations.is_assigned(conn, store.assignment_view, staff_id, citizen_id),
        plans=plans,
        visit=own or visits_today(conn, staff_id, citizen_id, now, window),
        break_glass_reason=break_glass.reason_for(
            conn, store.break_glass_grants, staff_id, now, citizen_id=citizen_id
        ),
    )


def visits_today(
    conn: Connection, staff_id: str, citizen_id: str, now: datetime, window: relations.VisitWindow
) -> bool:
    reach = timedelta(days=2) + timedelta(hours=window.hours or 0)
    return any(
        window.covers(starts, ends, now)
        for starts, ends in store.visits_with(conn, staff_id, citizen_id, now - reach, now + reach)
    )


def may_change(principal: Principal, access: policy.Access, appointment: dict[str, Any]) -> bool:
    """A visit today lets its staff book the next one, not change a colleague's."""
    if not access.may_act:
        return False
    return access.basis != policy.VISIT or principal.subject in appointment["staff_ids"]


def read_level(
    principal: Principal, access: policy.Access, appointment: dict[str, Any], planned: set[str]
) -> str | None:
    """FULL, VISIT_SUMMARY or None (not shown) of one of the citizen's appointments."""
    if access.basis == policy.PLANNING:
        return FULL if appointment["service_id"] in planned else None
    if access.basis == policy.VISIT and principal.subject not in appointment["staff_ids"]:
        return VISIT_SUMMARY
    return FULL


def shown(body: dict[str, Any], level: str) -> dict[str, Any]:
    if level == VISIT_SUMMARY:
        return {k: v for k, v in body.items() if k not in HIDDEN_ON_A_VISIT}
    return body


def may_see_route(conn: Connection, principal: Principal, staff_id: str) -> bool:
    """Their own route, or (a scheduler) that of the staff of a service they plan."""
    if staff_id == principal.subject:
        return True
    if policy.SCHEDULER not in principal.roles:
        return False
    return any(staff_id in r.staff_ids for r in store.planned_by(conn, principal.subject))
