"""Appointments, the staff time they hold, the day route and each appointment's history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    select,
    update,
)

from services.appointments.store.tables import (
    appointment_history,
    appointment_staff,
    appointments,
)


def add_appointment(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(appointments.insert().values(**row))


def find_appointment(
    conn: Connection, appointment_id: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    query = select(appointments).where(appointments.c.id == appointment_id)
    if for_update:
        # Serialises changes to one appointment (a move racing a cancellation) on PostgreSQL;
        # SQLite's write lock already does.
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def update_appointment(conn: Connection, appointment_id: str, **values: Any) -> None:
    conn.execute(update(appointments).where(appointments.c.id == appointment_id).values(**values))


def appointments_of(conn: Connection, citizen_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(appointments)
        .where(appointments.c.citizen_id == citizen_id)
        .order_by(appointments.c.starts_at)
    ).mappings()
    return [dict(r) for r in rows]


def visits_with(
    conn: Connection, staff_id: str, citizen_id: str, since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """When the staff member visits the citizen (not cancelled), among starts in [since, until)."""
    rows = conn.execute(
        select(appointments.c.staff_ids, appointments.c.starts_at, appointments.c.ends_at).where(
            and_(
                appointments.c.citizen_id == citizen_id,
                appointments.c.status != "cancelled",
                appointments.c.starts_at >= since,
                appointments.c.starts_at < until,
            )
        )
    )
    return [(r.starts_at, r.ends_at) for r in rows if staff_id in r.staff_ids]


def hold_staff(
    conn: Connection,
    appointment_id: str,
    staff_ids: list[str],
    starts_at: datetime,
    blocked_until: datetime,
) -> None:
    """Give the appointment its staff members' time; raises IntegrityError on a double booking
    (see is_double_booking)."""
    conn.execute(
        appointment_staff.delete().where(appointment_staff.c.appointment_id == appointment_id)
    )
    for staff_id in staff_ids:
        conn.execute(
            appointment_staff.insert().values(
                appointment_id=appointment_id,
                staff_id=staff_id,
                starts_at=starts_at,
                blocked_until=blocked_until,
                active=True,
            )
        )


def release_staff(conn: Connection, appointment_id: str) -> None:
    conn.execute(
        update(appointment_staff)
        .where(appointment_staff.c.appointment_id == appointment_id)
        .values(active=False)
    )


def busy(
    conn: Connection,
    staff_ids: list[str] | tuple[str, ...],
    start: datetime,
    until: datetime,
    *,
    ignore: str | None = None,
) -> dict[str, list[tuple[datetime, datetime]]]:
    """The time each staff member is held between two instants: [start, blocked until)."""
    query = select(appointment_staff).where(
        and_(
            appointment_staff.c.staff_id.in_(list(staff_ids)),
            appointment_staff.c.active.is_(True),
            appointment_staff.c.starts_at < until,
            appointment_staff.c.blocked_until > start,
        )
    )
    if ignore is not None:
        query = query.where(appointment_staff.c.appointment_id != ignore)
    held: dict[str, list[tuple[datetime, datetime]]] = {}
    for row in conn.execute(query):
        held.setdefault(row.staff_id, []).append((row.starts_at, row.blocked_until))
    return held


def route(conn: Connection, staff_id: str, start: datetime, until: datetime) -> list[dict]:
    """The staff member's active appointments that begin between two instants, in time order."""
    query = (
        select(appointments)
        .select_from(
            appointments.join(
                appointment_staff, appointment_staff.c.appointment_id == appointments.c.id
            )
        )
        .where(
            and_(
                appointment_staff.c.staff_id == staff_id,
                appointment_staff.c.active.is_(True),
                appointments.c.starts_at >= start,
                appointments.c.starts_at < until,
            )
        )
        .order_by(appointments.c.starts_at)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def add_history(conn: Connection, **values: Any) -> None:
    values["staff_ids"] = list(values["staff_ids"])
    conn.execute(appointment_history.insert().values(**values))


def history(conn: Connection, appointment_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(appointment_history)
        .where(appointment_history.c.appointment_id == appointment_id)
        .order_by(appointment_history.c.id)
    ).mappings()
    return [dict(r) for r in rows]
