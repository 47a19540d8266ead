"""Booking rules as stored: one row per offered service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    select,
)

from kit.rows import upsert
from services.appointments.domain import BookingRules
from services.appointments.store.tables import (
    booking_rules,
)


def save_rules(conn: Connection, rules: BookingRules, by: str, now: datetime) -> None:
    upsert(conn, booking_rules, {**_rules_row(rules), "updated_at": now, "updated_by": by})


def _rules_row(rules: BookingRules) -> dict[str, Any]:
    values = dict(vars(rules))
    values["opening_hours"] = {d: [list(w) for w in ws] for d, ws in rules.opening_hours.items()}
    values["staff_ids"] = list(rules.staff_ids)
    values["tasks"] = list(rules.tasks)
    values["scheduler_ids"] = list(rules.scheduler_ids)
    return values


def find_rules(conn: Connection, service_id: str) -> BookingRules | None:
    row = (
        conn.execute(select(booking_rules).where(booking_rules.c.service_id == service_id))
        .mappings()
        .first()
    )
    return _rules(row) if row else None


def all_rules(conn: Connection) -> list[BookingRules]:
    rows = conn.execute(select(booking_rules).order_by(booking_rules.c.service_id)).mappings()
    return [_rules(row) for row in rows]


def _rules(row: Any) -> BookingRules:
    values = {k: v for k, v in dict(row).items() if k not in ("updated_at", "updated_by")}
    values["opening_hours"] = {
        d: tuple(tuple(w) for w in ws) for d, ws in values["opening_hours"].items()
    }
    values["staff_ids"] = tuple(values["staff_ids"])
    values["tasks"] = tuple(values["tasks"])
    values["scheduler_ids"] = tuple(values["scheduler_ids"] or ())
    return BookingRules(**values)


def planned_by(conn: Connection, staff_id: str) -> list[BookingRules]:
    """The services the staff member plans (few: the rules of one municipality)."""
    return [r for r in all_rules(conn) if staff_id in r.scheduler_ids]
