"""Staff members' relations to citizens that other services' events prove: a local view.

Visits come from the appointments service's events: a booked (or moved) appointment with a
citizen relates each of its staff to that citizen within the visit window; a cancelled one no
longer does. Case assignments come from the applications service's events: the assignee of an
open case relates to its citizen until the case is closed or withdrawn. Each service keeps
these tables in its own database (`visit_view(metadata)` in its store, `create_visit_view(op)`
in a migration; the same for assignments) and
feeds them with `on_appointment_event` / `on_application_event` from its consumers; kit.policy
decides on what they say.

The views are eventually consistent: a visit booked a moment ago may not be known yet (the
staff member is refused until it is), and a cancelled one may still count for as long as its
event takes to arrive. Both err towards the citizen's privacy except that last lag, which is
bounded by the consumer's delay.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import JSON, Boolean, Column, Connection, MetaData, String, Table, and_, select
from sqlalchemy.dialects import postgresql, sqlite

from kit.db import UtcDateTime
from kit.events import Event

LOCAL = ZoneInfo("Europe/Copenhagen")
APPOINTMENT_EVENTS = "dk.selvbetjening.appointment."
CANCELLED = "dk.selvbetjening.appointment.cancelled.v1"
ASSIGNED = "dk.selvbetjening.application.assigned.v1"
STATUS_CHANGED = "dk.selvbetjening.application.status_changed.v1"
ENDED_STATES = ("closed", "withdrawn")


def visit_view(metadata: MetaData) -> Table:
    """The view of visits, in a service's metadata (its store calls this once)."""
    return Table(
        "visit_view",
        metadata,
        Column("appointment_id", String(100), primary_key=True),
        Column("citizen_id", String(100), nullable=False, index=True),
        Column("staff_ids", JSON, nullable=False),
        Column("starts_at", UtcDateTime, nullable=False),
        Column("ends_at", UtcDateTime, nullable=False),
        Column("cancelled", Boolean, nullable=False),
    )


def assignment_view(metadata: MetaData) -> Table:
    """The view of case assignments (services other than applications, which owns them)."""
    return Table(
        "assignment_view",
        metadata,
        Column("application_id", String(100), primary_key=True),
        Column("citizen_id", String(100), nullable=False, index=True),
        Column("assignee_id", String(200), nullable=True, index=True),
        Column("open", Boolean, nullable=False),
    )


def create_visit_view(op: Any) -> None:
    """For a service's migration."""
    op.create_table(
        "visit_view",
        sa.Column("appointment_id", sa.String(100), primary_key=True),
        sa.Column("citizen_id", sa.String(100), nullable=False, index=True),
        sa.Column("staff_ids", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
    )


def create_assignment_view(op: Any) -> None:
    """For a service's migration."""
    op.create_table(
        "assignment_view",
        sa.Column("application_id", sa.String(100), primary_key=True),
        sa.Column("citizen_id", sa.String(100), nullable=False, index=True),
        sa.Column("assignee_id", sa.String(200), nullable=True, index=True),
        sa.Column("open", sa.Boolean(), nullable=False),
    )


@dataclass(frozen=True)
class VisitWindow:
    """When a visit relates its staff to the citizen: its local day (Europe/Copenhagen), or,
    with `hours`, from that many hours before its start to that many after its end."""

    hours: float | None = None

    @classmethod
    def from_env(cls) -> VisitWindow:
        value = os.environ.get("SB_VISIT_ACCESS_HOURS", "").strip()
        return cls(float(value) if value else None)

    def covers(self, starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
        if self.hours is None:
            day = starts_at.astimezone(LOCAL).date()
            start = datetime.combine(day, time.min, LOCAL)
            end = datetime.combine(day + timedelta(days=1), time.min, LOCAL)
        else:
            start = starts_at - timedelta(hours=self.hours)
            end = ends_at + timedelta(hours=self.hours)
        return start <= now < end


def _upsert(conn: Connection, table: Table, key: str, row: dict[str, Any]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**row)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[key], set_={k: statement.excluded[k] for k in row if k != key}
        )
    )


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def on_appointment_event(conn: Connection, table: Table, event: Event) -> None:
    """Keep the visit view: every appointment event carries the appointment as it now is."""
    if not event.type.startswith(APPOINTMENT_EVENTS) or "staff_ids" not in event.data:
        return
    data = event.data
    _upsert(
        conn,
        table,
        "appointment_id",
        {
            "appointment_id": data["appointment_id"],
            "citizen_id": data["citizen_id"],
            "staff_ids": list(data["staff_ids"]),
            "starts_at": _time(data["starts_at"]),
            "ends_at": _time(data["ends_at"]),
            "cancelled": event.type == CANCELLED,
        },
    )


def on_application_event(conn: Connection, table: Table, event: Event) -> None:
    """Keep the assignment view: who handles which open case of which citizen."""
    data = event.data
    if event.type == ASSIGNED:
        _upsert(
            conn,
            table,
            "application_id",
            {
                "application_id": data["application_id"],
                "citizen_id": data["citizen_id"],
                "assignee_id": data.get("assignee_id"),
                "open": True,
            },
        )
    elif event.type == STATUS_CHANGED:
        conn.execute(
            table.update()
            .where(table.c.application_id == data["application_id"])
            .values(open=data["to_state"] not in ENDED_STATES)
        )


def has_visit(
    conn: Connection,
    table: Table,
    staff_id: str,
    citizen_id: str,
    now: datetime,
    window: VisitWindow,
) -> bool:
    """Does the staff member have a visit with the citizen that covers `now`?"""
    reach = timedelta(days=2) + timedelta(hours=window.hours or 0)
    rows = conn.execute(
        select(table.c.staff_ids, table.c.starts_at, table.c.ends_at).where(
            and_(
                table.c.citizen_id == citizen_id,
                table.c.cancelled.is_(False),
                table.c.starts_at > now - reach,
                table.c.starts_at < now + reach,
            )
        )
    )
    return any(
        staff_id in row.staff_ids and window.covers(row.starts_at, row.ends_at, now) for row in rows
    )


def is_assigned(conn: Connection, table: Table, staff_id: str, citizen_id: str) -> bool:
    """Is an open case of the citizen assigned to the staff member?"""
    found = conn.execute(
        select(table.c.application_id)
        .where(
            and_(
                table.c.citizen_id == citizen_id,
                table.c.assignee_id == staff_id,
                table.c.open.is_(True),
            )
        )
        .limit(1)
    ).first()
    return found is not None
