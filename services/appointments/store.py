"""Persistence of the appointments service: the only module with queries.

No double booking is the database's job, not only ours: every staff member an appointment
holds has a row in `appointment_staff` with the time it blocks ([start, end + buffer)). On
PostgreSQL an exclusion constraint (migration 0002) refuses two overlapping active rows for
one staff member; on both databases a partial unique index refuses two active rows with the
same staff member and start. SQLite has no exclusion constraints, but its writers are
serialised (BEGIN IMMEDIATE, kit.db), so the overlap check inside the same transaction holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Integer,
    String,
    Table,
    Text,
    and_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from kit.db import UtcDateTime, new_metadata
from kit.rows import upsert
from services.appointments.domain import BookingRules

metadata = new_metadata()
ID = String(36)
PERSON = String(64)
# The constraints that stop double booking; an IntegrityError naming them is a taken slot.
OVERLAP_CONSTRAINT = "ex_appointment_staff_no_overlap"
SAME_START_INDEX = "uq_appointment_staff_staff_start"

booking_rules = Table(
    "booking_rules",
    metadata,
    Column("service_id", String(100), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("opening_hours", JSON, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("buffer_minutes", Integer, nullable=False),
    Column("horizon_days", Integer, nullable=False),
    Column("citizen_cutoff_hours", Integer, nullable=False),
    Column("staff_ids", JSON, nullable=False),
    Column("self_bookable", Boolean, nullable=False),
    Column("tasks", JSON, nullable=False),
    Column("location", String(300), nullable=True),
    Column("reminder_minutes_before", Integer, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", PERSON, nullable=False),
)

appointments = Table(
    "appointments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("citizen_id", PERSON, nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("service_id", String(100), nullable=True),
    Column("status", String(20), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("buffer_minutes", Integer, nullable=False),
    Column("staff_ids", JSON, nullable=False),
    Column("address", String(300), nullable=True),
    Column("location", String(300), nullable=True),
    Column("tasks", JSON, nullable=False),
    Column("note", Text, nullable=True),
    # Who the staff visit (booked by staff; the citizen's UUID alone tells them nothing).
    Column("citizen_name", String(200), nullable=True),
    Column("video_room", String(64), nullable=True, unique=True, index=True),
    Column("cutoff_hours", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", PERSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

appointment_staff = Table(
    "appointment_staff",
    metadata,
    Column("appointment_id", ID, primary_key=True),
    Column("staff_id", PERSON, primary_key=True),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("blocked_until", UtcDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
    # Constraints: see migration 0002 (OVERLAP_CONSTRAINT, SAME_START_INDEX).
)

appointment_history = Table(
    "appointment_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("appointment_id", ID, nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("staff_ids", JSON, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", PERSON, nullable=False),
    Column("by_kind", String(20), nullable=False),
    Column("on_behalf_of", PERSON, nullable=True),
    Column("reason", Text, nullable=True),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("appointment_id", ID, nullable=False),
    # The start the reminder is about: one reminder per appointment and start, ever.
    Column("starts_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False, index=True),
    Column("status", String(20), nullable=False),  # planned, cancelled, sent, skipped
    Column("sent_at", UtcDateTime, nullable=True),
)

video_calls = Table(
    "video_calls",
    metadata,
    Column("call_id", ID, primary_key=True),
    Column("appointment_id", ID, nullable=False, index=True),
    Column("host_id", PERSON, nullable=False),
    Column("outcome", String(20), nullable=False),  # started, ended, not_connected
    Column("attempted_at", UtcDateTime, nullable=True),
    Column("started_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("duration_seconds", Integer, nullable=True),
    Column("participants", Integer, nullable=False),
    Column("reason", String(30), nullable=True),
)


def is_double_booking(error: IntegrityError) -> bool:
    text = str(error.orig)
    return (
        OVERLAP_CONSTRAINT in text
        or SAME_START_INDEX in text
        or "appointment_staff.staff_id, appointment_staff.starts_at" in text
    )


# Booking rules --------------------------------------------------------------------------------


def save_rules(conn: Connection, rules: BookingRules, by: str, now: datetime) -> None:
    upsert(conn, booking_rules, {**_rules_row(rules), "updated_at": now, "updated_by": by})


def _rules_row(rules: BookingRules) -> dict[str, Any]:
    values = dict(vars(rules))
    values["opening_hours"] = {d: [list(w) for w in ws] for d, ws in rules.opening_hours.items()}
    values["staff_ids"] = list(rules.staff_ids)
    values["tasks"] = list(rules.tasks)
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
    return BookingRules(**values)


# Appointments and the staff time they hold ------------------------------------------------------


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


# Reminders ------------------------------------------------------------------------------------

PLANNED, SENT, SKIPPED = "planned", "sent", "skipped"
REMINDER_CANCELLED = "cancelled"


def plan_reminder(
    conn: Connection, reminder_id: str, appointment_id: str, starts_at: datetime, due_at: datetime
) -> None:
    """Plan the reminder of one start of an appointment. A reminder of the same start that was
    cancelled (moved away and back) is planned again; one already sent stays sent."""
    upsert(
        conn,
        reminders,
        {
            "id": reminder_id,
            "appointment_id": appointment_id,
            "starts_at": starts_at,
            "due_at": due_at,
            "status": PLANNED,
        },
        key=["appointment_id", "starts_at"],
        changes={"due_at": due_at, "status": PLANNED},
        where=reminders.c.status == REMINDER_CANCELLED,
    )


def cancel_reminders(conn: Connection, appointment_id: str) -> None:
    conn.execute(
        update(reminders)
        .where(and_(reminders.c.appointment_id == appointment_id, reminders.c.status == PLANNED))
        .values(status=REMINDER_CANCELLED)
    )


def due_reminders(conn: Connection, now: datetime, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(reminders)
        .where(and_(reminders.c.status == PLANNED, reminders.c.due_at <= now))
        .order_by(reminders.c.due_at)
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows]


def find_reminder(conn: Connection, reminder_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(reminders).where(reminders.c.id == reminder_id)).mappings().first()
    return dict(row) if row else None


def finish_reminder(conn: Connection, reminder_id: str, status: str, now: datetime) -> bool:
    """Compare-and-set planned -> sent/skipped; False if another scheduler got there first."""
    result = conn.execute(
        update(reminders)
        .where(and_(reminders.c.id == reminder_id, reminders.c.status == PLANNED))
        .values(status=status, sent_at=now)
    )
    return result.rowcount == 1


# Video visits --------------------------------------------------------------------------------


def find_by_video_room(conn: Connection, room: str) -> dict[str, Any] | None:
    row = conn.execute(select(appointments).where(appointments.c.video_room == room)).mappings()
    first = row.first()
    return dict(first) if first else None


def find_video_call(conn: Connection, call_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(video_calls).where(video_calls.c.call_id == call_id)).mappings()
    first = row.first()
    return dict(first) if first else None


def add_video_call(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(video_calls.insert().values(**row))


def update_video_call(conn: Connection, call_id: str, **values: Any) -> None:
    conn.execute(update(video_calls).where(video_calls.c.call_id == call_id).values(**values))


def video_calls_of(conn: Connection, appointment_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(video_calls)
        .where(video_calls.c.appointment_id == appointment_id)
        .order_by(video_calls.c.attempted_at, video_calls.c.started_at)
    ).mappings()
    return [dict(r) for r in rows]
