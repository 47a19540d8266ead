"""Transactional outbox: record an event in the same transaction as the state change; a relay
publishes it after commit.

Order: the relay publishes in outbox id order and stops at the first record the bus did not
take, so a key's events never overtake each other. (Two transactions that change the same
aggregate must serialise on it, as every use case does by locking or versioning the aggregate,
so their outbox ids follow the order of their commits.)

Replicas: several relays of one service (one per worker replica) publish each row once. A
round claims the outbox before it reads the rows and keeps the claim until they are marked
sent: on PostgreSQL a transaction-scoped advisory lock (a relay that does not get it skips the
round: the other is publishing), on SQLite the single writer's lock. One relay at a time, not
SKIP LOCKED row claims: two relays publishing different rows side by side could put one key's
events out of order.

Crashes: an event published but not yet marked as sent is published again by the next round.
That duplicate carries the same event id, and consumers' inboxes absorb it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    func,
    select,
    text,
    update,
)

from kit import tracing
from kit.bus.base import Bus, BusUnavailable, OutgoingRecord
from kit.db import UtcDateTime, new_metadata, read_only
from kit.events import Event, encode_event
from kit.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISH_FAILURES, OUTBOX_PUBLISHED
from schemas.registry import EventTypeRegistry, registry

log = logging.getLogger(__name__)

messaging_metadata = new_metadata()

outbox_table = Table(
    "outbox",
    messaging_metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("event_type", String(200), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime, nullable=True, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
)


def record_event(
    conn: Connection, topic: str, event: Event, types: EventTypeRegistry = registry
) -> None:
    """Add `event` to the outbox inside the caller's transaction.

    The event is validated here: an event that does not match its schema raises InvalidEvent
    and so rolls back the state change it describes, rather than reaching consumers.
    """
    conn.execute(
        outbox_table.insert().values(
            event_id=event.id,
            event_type=event.type,
            topic=topic,
            key=event.key,
            payload=encode_event(event, types),
            created_at=datetime.now(UTC),
            attempts=0,
        )
    )


def record_encoded(conn: Connection, topic: str, events: list[tuple[Event, bytes]]) -> None:
    """Add events already validated and encoded (`encode_event`) in one statement: for a
    writer that validates where the event arises and writes later in batches."""
    if events:
        moment = datetime.now(UTC)
        conn.execute(
            outbox_table.insert(),
            [
                {
                    "event_id": event.id,
                    "event_type": event.type,
                    "topic": topic,
                    "key": event.key,
                    "payload": payload,
                    "created_at": moment,
                    "attempts": 0,
                }
                for event, payload in events
            ],
        )


def backlog(engine: Engine) -> int:
    with read_only(engine) as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(outbox_table)
                .where(outbox_table.c.published_at.is_(None))
            ).scalar_one()
        )


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        bus: Bus,
        *,
        service: str,
        batch_size: int = 200,
        idle_interval_s: float = 0.05,
        max_backoff_s: float = 5.0,
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.service = service
        self.batch_size = batch_size
        self.idle_interval_s = idle_interval_s
        self.max_backoff_s = max_backoff_s

    def publish_pending(self) -> int:
        """One round: publish the oldest unsent events. Returns how many were published."""
        with read_only(self.engine) as conn:  # an idle round takes no lock
            if not conn.execute(self._pending(1)).first():
                OUTBOX_BACKLOG.labels(self.service).set(0)
                return 0
        failure: tuple[int, str] | None = None
        unavailable: BusUnavailable | None = None
        with self.engine.begin() as conn:
            if not self._claim(conn):
                return 0  # another replica's relay is publishing these rows
            rows = conn.execute(self._pending(self.batch_size)).all()
            if not rows:
                return 0
            spans = [_publish_span(row, self.service, self.bus) for row in rows]
            records = [
                OutgoingRecord(
                    row.topic,
                    row.key,
                    bytes(row.payload),
                    {
                        "ce_id": row.event_id,
                        "ce_type": row.event_type,
                        "content-type": "application/cloudevents+json",
                        **_traceparent_header(span),  # consumers continue the trace from here
                    },
                )
                for row, span in zip(rows, spans, strict=True)
            ]
            try:
                stored = self.bus.publish_batch(records)
            except BusUnavailable as exc:
                unavailable, stored = exc, 0
            _end_spans(spans, stored)
            self._mark_published(conn, [row.id for row in rows[:stored]])
            if stored < len(rows):
                failure = (rows[stored].id, str(unavailable or "the bus did not acknowledge"))
        if failure is not None:
            self._note_failure([failure[0]], failure[1])
        if unavailable is not None:
            raise unavailable
        OUTBOX_PUBLISHED.labels(self.service).inc(stored)
        return stored

    @staticmethod
    def _pending(limit: int):
        return (
            select(
                outbox_table.c.id,
                outbox_table.c.topic,
                outbox_table.c.key,
                outbox_table.c.payload,
                outbox_table.c.event_id,
                outbox_table.c.event_type,
            )
            .where(outbox_table.c.published_at.is_(None))
            .order_by(outbox_table.c.id)
            .limit(limit)
        )

    def _claim(self, conn: Connection) -> bool:
        """This service's outbox, for this transaction (see the module's docstring)."""
        if conn.dialect.name != "postgresql":
            return True  # SQLite: BEGIN IMMEDIATE already holds the only write lock
        return bool(
            conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": self._lock_key}
            ).scalar_one()
        )

    @property
    def _lock_key(self) -> int:
        digest = hashlib.sha256(f"outbox:{self.service}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    @staticmethod
    def _mark_published(conn: Connection, ids: list[int]) -> None:
        if ids:
            conn.execute(
                update(outbox_table)
                .where(outbox_table.c.id.in_(ids))
                .values(
                    published_at=datetime.now(UTC),
                    attempts=outbox_table.c.attempts + 1,
                    last_error=None,
                )
            )

    def _note_failure(self, ids: list[int], error: str) -> None:
        OUTBOX_PUBLISH_FAILURES.labels(self.service).inc()
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox_table)
                .where(outbox_table.c.id.in_(ids))
                .values(attempts=outbox_table.c.attempts + 1, last_error=error[:2000])
            )

    def run(self, stop: threading.Event) -> None:
        """Publish until `stop` is set; back off while the bus is down, never give up."""
        failures = 0
        while not stop.is_set():
            try:
                published = self.publish_pending()
                failures = 0
                if published == 0:
                    stop.wait(self.idle_interval_s)
                OUTBOX_BACKLOG.labels(self.service).set(backlog(self.engine))
            except BusUnavailable as exc:
                failures += 1
                delay = min(self.max_backoff_s, 0.1 * 2 ** min(failures, 10))
                log.warning("outbox relay cannot publish, retrying in %.1fs: %s", delay, exc)
                stop.wait(delay)
            except Exception:
                failures += 1
                log.exception("outbox relay round failed")
                stop.wait(min(self.max_backoff_s, 0.1 * 2 ** min(failures, 10)))


def _publish_span(row, service: str, bus: Bus) -> tracing.Span:
    """A producer span per event, in the trace the event arose in (its envelope's
    traceparent) or, for a fact with none, a new trace named by its correlation id."""
    try:
        envelope = json.loads(row.payload)
    except ValueError:
        envelope = {}
    return tracing.start_span(
        f"publish {row.topic}",
        kind=tracing.SpanKind.PRODUCER,
        traceparent=envelope.get("traceparent"),
        correlation_id=envelope.get("correlationid"),
        attributes={
            "messaging.system": getattr(bus, "system", "unknown"),
            "messaging.operation.type": "send",
            "messaging.destination.name": row.topic,
            "messaging.message.id": row.event_id,
            "cloudevents.event_type": row.event_type,
            "cloudevents.event_subject": row.key,
            "sb.service": service,
        },
    )


def _traceparent_header(span: tracing.Span) -> dict[str, str]:
    value = tracing.traceparent_of(span)
    return {tracing.TRACEPARENT: value} if value else {}


def _end_spans(spans: list[tracing.Span], stored: int) -> None:
    for number, span in enumerate(spans):
        if number >= stored:
            tracing.failed(span, "not stored by the bus")
        span.end()
