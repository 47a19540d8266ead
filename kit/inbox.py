"""Inbox: the ids of events a consumer has handled, so a redelivered event has no second effect.

The id is claimed in the same transaction as the handler's own changes: either both commit or
neither does, which turns at-least-once delivery into an exactly-once effect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, Engine, String, Table

from kit.db import UtcDateTime
from kit.events import Event
from kit.outbox import messaging_metadata
from kit.rows import insert_if_absent

inbox_table = Table(
    "inbox",
    messaging_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(100), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("handled_at", UtcDateTime, nullable=False),
)


class AlreadyHandled(Exception):
    """The inbox has this event already; nothing was done."""


def claim(conn: Connection, consumer: str, event: Event) -> bool:
    """Record that `consumer` handles `event`; False if it already did."""
    return insert_if_absent(
        conn,
        inbox_table,
        {
            "consumer": consumer,
            "event_id": event.id,
            "event_type": event.type,
            "handled_at": datetime.now(UTC),
        },
    )


def handle_once(
    engine: Engine, consumer: str, handler: Callable[[Connection, Event], None]
) -> Callable[[Event], None]:
    """Wrap a handler that writes through `conn` so each event has its effect once."""

    def run(event: Event) -> None:
        with engine.begin() as conn:
            if not claim(conn, consumer, event):
                raise AlreadyHandled(event.id)
            handler(conn, event)

    run.__name__ = getattr(handler, "__name__", "handler")
    return run
