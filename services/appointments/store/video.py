"""Video visits: an appointment by its room, and the calls held in it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    select,
    update,
)

from services.appointments.store.tables import (
    appointments,
    video_calls,
)


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
