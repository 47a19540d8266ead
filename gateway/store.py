"""Persistence of the gateway: login transactions, server-side sessions, the audit trail."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    insert,
    select,
    update,
)

from kit.db import UtcDateTime, new_metadata

metadata = new_metadata()
_ID = BigInteger().with_variant(Integer, "sqlite")

login_transactions = Table(
    "login_transactions",
    metadata,
    Column("state", String(100), primary_key=True),
    Column("nonce", String(100), nullable=False),
    Column("code_verifier", String(200), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("browser_hash", String(64), nullable=False),
    Column("return_to", String(300), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    # Only a hash of the cookie value is stored: a copy of the table opens no session.
    Column("id_hash", String(64), primary_key=True),
    Column("subject", String(200), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("claims", JSON, nullable=False),
    Column("tokens", Text, nullable=False),  # encrypted (gateway.sessions.TokenBox)
    Column("csrf_token", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("citizen_id", String(200), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_type", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("action", String(10), nullable=False),  # read or write
    Column("resource", String(300), nullable=False),
    Column("status", Integer, nullable=False),
    Column("correlation_id", String(100), nullable=True),
    # Staff only: the relation that let them in (kit.policy); break_glass rows carry a reason.
    Column("basis", String(30), nullable=True, index=True),
    Column("reason", Text, nullable=True),
    # A citizen's trail, newest first, a page at a time (keyset on id): see find_audit.
    Index("ix_audit_log_citizen_id_id", "citizen_id", "id"),
)


def now() -> datetime:
    return datetime.now(UTC)


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def add_login_transaction(conn: Connection, **row: Any) -> None:
    conn.execute(insert(login_transactions).values(created_at=now(), **row))


def forget_old_logins(conn: Connection, older_than_s: int) -> None:
    """Login transactions are kept only as long as a login may take; ended sessions a day."""
    conn.execute(
        delete(login_transactions).where(
            login_transactions.c.created_at < now() - timedelta(seconds=older_than_s)
        )
    )
    conn.execute(delete(sessions).where(sessions.c.ended_at < now() - timedelta(days=1)))


def use_login_transaction(conn: Connection, state: str) -> dict[str, Any] | None:
    """Take the transaction for `state` once: a replayed state finds nothing."""
    taken = conn.execute(
        update(login_transactions)
        .where(and_(login_transactions.c.state == state, login_transactions.c.used_at.is_(None)))
        .values(used_at=now())
    ).rowcount
    if not taken:
        return None
    row = (
        conn.execute(select(login_transactions).where(login_transactions.c.state == state))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def add_session(conn: Connection, **row: Any) -> None:
    moment = now()
    conn.execute(insert(sessions).values(created_at=moment, last_seen_at=moment, **row))


def get_session(conn: Connection, id_hash: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(sessions).where(
                and_(sessions.c.id_hash == id_hash, sessions.c.ended_at.is_(None))
            )
        )
        .mappings()
        .first()
    )
    if not row:
        return None
    return dict(row)


def touch_session(conn: Connection, id_hash: str, **values: Any) -> None:
    conn.execute(
        update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen_at=now(), **values)
    )


def end_session(conn: Connection, id_hash: str) -> None:
    conn.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(ended_at=now()))


def add_audit(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        moment = now()
        conn.execute(insert(audit_log), [{"at": moment, **row} for row in rows])


def find_audit(
    conn: Connection,
    citizen_id: str | None,
    exclude_actor: str | None = None,
    limit: int = 100,
    before: int | None = None,
    basis: str | None = None,
) -> list[dict[str, Any]]:
    """One page of a citizen's trail (or, with `basis` and no citizen, everyone's accesses on
    that basis), newest first; the next page starts `before` the last row's id (keyset: the
    index on (citizen_id, id) finds it without counting past rows)."""
    query = select(audit_log)
    if citizen_id is not None:
        query = query.where(audit_log.c.citizen_id == citizen_id)
    if basis is not None:
        query = query.where(audit_log.c.basis == basis)
    if exclude_actor:
        query = query.where(audit_log.c.actor_id != exclude_actor)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    rows = conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]
