"""Inbox: the ids of events a consumer has handled, so a redelivered event has no second effect.

The id is claimed in the same transaction as the handler's own changes: either both commit or
neither does, which turns at-least-once delivery into an exactly-once effect. The batch form
does the same for a poll's worth of events in one transaction: one commit instead of one per
event, all or nothing (the consumer falls back to one at a time when a batch fails).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, Engine, String, Table

from kit.db import UtcDateTime
from kit.events import Event
from kit.outbox import messaging_metadata
from kit.rows import insert_if_absent, insert_many_if_absent

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


def claim_many(conn: Connection, consumer: str, events: Sequence[Event]) -> set[str]:
    """Record that `consumer` handles each of `events`; the ids it had not handled before."""
    now = datetime.now(UTC)
    unique = {event.id: event for event in events}
    return insert_many_if_absent(
        conn,
        inbox_table,
        [
            {"consumer": consumer, "event_id": e.id, "event_type": e.type, "handled_at": now}
            for e in unique.values()
        ],
        returning="event_id",
    )


Scope = Callable[[Event], AbstractContextManager[object]]


def _no_scope(_value: object) -> AbstractContextManager[object]:
    return nullcontext()


def handle_batch_once(
    engine: Engine,
    consumer: str,
    handler: Callable[[Connection, Event], None],
    around: Callable[[Connection, Sequence[Event]], AbstractContextManager[object]] | None = None,
) -> Callable[[Sequence[Event], Scope], list[Event]]:
    """Wrap the same handler for a batch: every event in ONE transaction, in the order given,
    each at most once (in the inbox or earlier in the batch), all inside `around(conn, events)`
    (where a handler may read ahead for the batch, and collect its writes to make them at the
    end). Returns the events handled;
    if anything raises, nothing of the batch is kept. `scope(event)` surrounds each event's
    handling (the consumer sets its correlation id and clock there)."""

    def run(events: Sequence[Event], scope: Scope = _no_scope) -> list[Event]:
        handled: list[Event] = []
        with engine.begin() as conn:
            fresh = claim_many(conn, consumer, events)
            for event in events:
                if event.id in fresh:
                    fresh.discard(event.id)
                    handled.append(event)
            with around(conn, handled) if around else nullcontext():
                for event in handled:
                    with scope(event):
                        handler(conn, event)
        return handled

    return run
