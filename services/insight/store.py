"""Persistence of process insight: the occurrences taken from the bus, and the exports made.
The only module with queries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)

from kit.db import SEQUENCE, UtcDateTime, new_metadata
from services.insight.activities import Occurrence

metadata = new_metadata()

occurrences = Table(
    "insight_occurrences",
    metadata,
    # Arrival order: an incremental export takes the rows after the last seq it wrote.
    Column("seq", SEQUENCE, primary_key=True, autoincrement=True),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("activity", String(100), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("time", UtcDateTime(), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_type", String(20), nullable=False),
    Column("on_behalf_of", String(200)),
    Column("correlation_id", String(100), nullable=False),
    Column("objects", Text, nullable=False),  # JSON: object type -> [ids]
    Column("attributes", Text, nullable=False),  # JSON: the allow-listed attributes
)

exports = Table(
    "insight_exports",
    metadata,
    Column("name", String(200), primary_key=True),
    # The export's own pseudonymisation key (hex): the same person has the same pseudonym
    # within one export (so it can be analysed) and unrelated ones across exports.
    Column("key", String(128), nullable=False),
    Column("last_seq", SEQUENCE, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


def record(conn: Connection, occurrence: Occurrence) -> None:
    conn.execute(
        insert(occurrences).values(
            event_id=occurrence.event_id,
            activity=occurrence.activity,
            event_type=occurrence.event_type,
            time=occurrence.time,
            channel=occurrence.channel,
            actor_id=occurrence.actor_id,
            actor_type=occurrence.actor_type,
            on_behalf_of=occurrence.on_behalf_of,
            correlation_id=occurrence.correlation_id,
            objects=json.dumps(occurrence.objects, sort_keys=True),
            attributes=json.dumps(occurrence.attributes, sort_keys=True, default=str),
        )
    )


def _occurrence(row) -> tuple[int, Occurrence]:
    return row.seq, Occurrence(
        event_id=row.event_id,
        activity=row.activity,
        event_type=row.event_type,
        time=row.time,
        channel=row.channel,
        actor_id=row.actor_id,
        actor_type=row.actor_type,
        on_behalf_of=row.on_behalf_of,
        correlation_id=row.correlation_id,
        objects=json.loads(row.objects),
        attributes=json.loads(row.attributes),
    )


def read_after(
    conn: Connection, seq: int = 0, batch: int = 5000
) -> Iterator[tuple[int, Occurrence]]:
    """Every occurrence after `seq`, in arrival order, read in batches."""
    last = seq
    while True:
        rows = conn.execute(
            select(occurrences)
            .where(occurrences.c.seq > last)
            .order_by(occurrences.c.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _occurrence(row)
        last = rows[-1].seq


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(occurrences)).scalar_one()


def export_state(conn: Connection, name: str) -> tuple[str, int] | None:
    row = conn.execute(
        select(exports.c.key, exports.c.last_seq).where(exports.c.name == name)
    ).first()
    return (row.key, row.last_seq) if row else None


def save_export_state(conn: Connection, name: str, key: str, last_seq: int, at: datetime) -> None:
    if export_state(conn, name) is None:
        conn.execute(insert(exports).values(name=name, key=key, last_seq=last_seq, updated_at=at))
    else:
        conn.execute(
            update(exports).where(exports.c.name == name).values(last_seq=last_seq, updated_at=at)
        )
