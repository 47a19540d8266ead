"""Persistence of the connector: its per-case records, the pushes waiting to go out, and the
dead letters. The only module with queries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)

from kit.db import SEQUENCE, UtcDateTime, new_metadata
from kit.rows import dialect_insert
from services.overview.domain import Push

metadata = new_metadata()

cases = Table(
    "overview_cases",
    metadata,
    Column("application_id", String(100), primary_key=True),
    Column("type_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    # The record (domain.new_record): holds the CPR number, which the index needs.
    Column("record", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

pending = Table(
    "overview_pending",
    metadata,
    Column("id", SEQUENCE, primary_key=True, autoincrement=True),
    Column("case_id", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("record_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("enqueued_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    # The request (or event) that caused this push, sent on as X-Correlation-ID.
    Column("correlation_id", String(100), nullable=True),
    Column("traceparent", String(55), nullable=True),  # the trace the push arose in
    Index("ix_overview_pending_case_id_id", "case_id", "id"),
)

# What the index acknowledged *storing* (it answered "stored"), per record: the version and
# the digest of the payload it stored. Written in the transaction that deletes the push, so it
# is never ahead of the index. A resync after our own outage skips what is here unchanged.
acknowledged = Table(
    "overview_acknowledged",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("record_id", String(100), primary_key=True),
    Column("case_id", String(100), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("acknowledged_at", UtcDateTime, nullable=False),
)

dead_letters = Table(
    "overview_dead_letters",
    metadata,
    Column("id", SEQUENCE, primary_key=True, autoincrement=True),
    Column("case_id", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("record_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("enqueued_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("reason", String(100), nullable=False),
    Column("error", Text, nullable=True),
    Column("failed_at", UtcDateTime, nullable=False),
)


def load_record(conn: Connection, application_id: str) -> dict[str, Any] | None:
    query = select(cases.c.record).where(cases.c.application_id == application_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    raw = conn.execute(query).scalar_one_or_none()
    return json.loads(raw) if raw is not None else None


def save_record(conn: Connection, record: dict[str, Any], is_new: bool) -> None:
    values = {
        "type_id": record["type_id"],
        "version": record["version"],
        "record": json.dumps(record, ensure_ascii=False),
        "updated_at": datetime.now(UTC),
    }
    if is_new:
        conn.execute(insert(cases).values(application_id=record["application_id"], **values))
    else:
        conn.execute(
            update(cases).where(cases.c.application_id == record["application_id"]).values(**values)
        )


def records_after(conn: Connection, after: str, limit: int) -> list[dict[str, Any]]:
    """A page of case records by key, so a resync of 100,000s of cases stays small in memory."""
    rows = (
        conn.execute(
            select(cases.c.record)
            .where(cases.c.application_id > after)
            .order_by(cases.c.application_id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return [orjson.loads(raw) for raw in rows]


def payload_text(push: Push) -> str:
    """A push's payload as it is queued and sent (its digest is what the index acknowledged)."""
    return orjson.dumps(push.payload).decode()


def digest(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def enqueue(
    conn: Connection,
    case_id: str,
    pushes: list[Push],
    correlation_id: str | None = None,
    traceparent: str | None = None,
) -> None:
    enqueue_many(
        conn, [(case_id, push, payload_text(push)) for push in pushes], correlation_id, traceparent
    )


def enqueue_many(
    conn: Connection,
    pushes: Iterable[tuple[str, Push, str]],
    correlation_id: str | None = None,
    traceparent: str | None = None,
) -> None:
    """Queue (case id, push, payload text) triples in one statement, in their order."""
    now = datetime.now(UTC)
    rows = [
        {
            "case_id": case_id,
            "kind": push.kind,
            "record_id": push.record_id,
            "version": push.version,
            "payload": payload,
            "enqueued_at": now,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": None,
            "correlation_id": correlation_id,
            "traceparent": traceparent,
        }
        for case_id, push, payload in pushes
    ]
    if rows:
        conn.execute(insert(pending), rows)


def acknowledge(conn: Connection, stored: list[Any]) -> None:
    """Remember what the index answered "stored" for (pending rows); an older version never
    replaces a newer one."""
    if not stored:
        return
    now = datetime.now(UTC)
    statement = dialect_insert(conn, acknowledged)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["kind", "record_id"],
            set_={
                "version": statement.excluded.version,
                "digest": statement.excluded.digest,
                "acknowledged_at": statement.excluded.acknowledged_at,
            },
            where=acknowledged.c.version <= statement.excluded.version,
        ),
        [
            {
                "kind": row.kind,
                "record_id": row.record_id,
                "case_id": row.case_id,
                "version": row.version,
                "digest": digest(row.payload),
                "acknowledged_at": now,
            }
            for row in stored
        ],
    )


def acknowledged_between(
    conn: Connection, first: str, last: str
) -> dict[tuple[str, str], tuple[int, str]]:
    """(kind, record id) -> (version, digest) the index acknowledged, for the cases from
    `first` to `last` (a page of a resync)."""
    rows = conn.execute(
        select(
            acknowledged.c.kind,
            acknowledged.c.record_id,
            acknowledged.c.version,
            acknowledged.c.digest,
        ).where(acknowledged.c.case_id.between(first, last))
    ).all()
    return {(row.kind, row.record_id): (row.version, row.digest) for row in rows}


def ready_heads(conn: Connection, now: datetime, limit: int) -> list[Any]:
    """The oldest pending push of each case, where it is due: at most one per case, so
    sending them side by side never reorders a case."""
    earlier = pending.alias("earlier")
    has_earlier = (
        select(earlier.c.id)
        .where(and_(earlier.c.case_id == pending.c.case_id, earlier.c.id < pending.c.id))
        .exists()
    )
    return list(
        conn.execute(
            select(pending)
            .where(pending.c.next_attempt_at <= now)
            .where(~has_earlier)
            .order_by(pending.c.id)
            .limit(limit)
        ).all()
    )


def delete_pending(conn: Connection, ids: list[int]) -> None:
    if ids:
        conn.execute(delete(pending).where(pending.c.id.in_(ids)))


def postpone(
    conn: Connection, push_id: int, attempts: int, next_attempt_at: datetime, error: str
) -> None:
    conn.execute(
        update(pending)
        .where(pending.c.id == push_id)
        .values(attempts=attempts, next_attempt_at=next_attempt_at, last_error=error[:2000])
    )


def bury(conn: Connection, row: Any, attempts: int, reason: str, error: str) -> None:
    """Move a push to the dead letters; later pushes of its case may then go on."""
    conn.execute(
        insert(dead_letters).values(
            case_id=row.case_id,
            kind=row.kind,
            record_id=row.record_id,
            version=row.version,
            payload=row.payload,
            enqueued_at=row.enqueued_at,
            attempts=attempts,
            reason=reason,
            error=error[:2000],
            failed_at=datetime.now(UTC),
        )
    )
    delete_pending(conn, [row.id])


def replay_dead_letters(conn: Connection, ids: list[int] | None = None) -> int:
    """Put dead letters back in the queue, oldest first; the index drops any that a newer
    version has overtaken meanwhile."""
    query = select(dead_letters).order_by(dead_letters.c.id)
    if ids:
        query = query.where(dead_letters.c.id.in_(ids))
    rows = conn.execute(query).all()
    now = datetime.now(UTC)
    for row in rows:
        conn.execute(
            insert(pending).values(
                case_id=row.case_id,
                kind=row.kind,
                record_id=row.record_id,
                version=row.version,
                payload=row.payload,
                enqueued_at=now,
                attempts=0,
                next_attempt_at=now,
                last_error=None,
            )
        )
    conn.execute(delete(dead_letters).where(dead_letters.c.id.in_([r.id for r in rows])))
    return len(rows)


def list_dead_letters(conn: Connection) -> list[dict[str, Any]]:
    """Dead letters without their payloads (which hold a CPR number)."""
    rows = conn.execute(
        select(
            dead_letters.c.id,
            dead_letters.c.case_id,
            dead_letters.c.kind,
            dead_letters.c.version,
            dead_letters.c.attempts,
            dead_letters.c.reason,
            dead_letters.c.error,
            dead_letters.c.failed_at,
        ).order_by(dead_letters.c.id)
    ).all()
    return [dict(row._mapping) for row in rows]


def counts(conn: Connection) -> dict[str, Any]:
    oldest = conn.execute(select(func.min(pending.c.enqueued_at))).scalar_one()
    return {
        "pending": conn.execute(select(func.count()).select_from(pending)).scalar_one(),
        "dead_letters": conn.execute(select(func.count()).select_from(dead_letters)).scalar_one(),
        "cases": conn.execute(select(func.count()).select_from(cases)).scalar_one(),
        "oldest_pending": oldest,
    }
