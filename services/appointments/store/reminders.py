"""Reminders: one planned per start of an appointment, sent exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    select,
    update,
)

from kit.rows import upsert
from services.appointments.store.tables import (
    reminders,
)

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
