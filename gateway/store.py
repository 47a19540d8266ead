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
    tuple_,
    update,
)

from kit.db import UtcDateTime, new_metadata
from kit.rows import dialect_insert

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


# Rate-limit counters shared by every gateway process (gateway.ratelimit.SharedWindows).
rate_windows = Table(
    "rate_windows",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("period_s", Integer, primary_key=True),
    Column("window_no", BigInteger, primary_key=True),  # seconds since the epoch // period_s
    Column("hits", Integer, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False, index=True),
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


def session_is_open(conn: Connection, id_hash: str) -> bool:
    """The cheap check on a remembered session: one primary-key lookup, nothing decrypted."""
    return (
        conn.execute(
            select(sessions.c.id_hash).where(
                and_(sessions.c.id_hash == id_hash, sessions.c.ended_at.is_(None))
            )
        ).first()
        is not None
    )


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


def add_rate_hits(conn: Connection, hits: dict[tuple[str, int, int], int]) -> None:
    """Add each (key, period, window)'s new hits to the shared counts, in one statement."""
    if not hits:
        return
    statement = dialect_insert(conn, rate_windows)
    statement = statement.on_conflict_do_update(
        index_elements=["key", "period_s", "window_no"],
        set_={"hits": rate_windows.c.hits + statement.excluded.hits},
    )
    conn.execute(
        statement,
        [
            {
                "key": key,
                "period_s": period_s,
                "window_no": window_no,
                "hits": count,
                "ends_at": datetime.fromtimestamp((window_no + 1) * period_s, UTC),
            }
            for (key, period_s, window_no), count in hits.items()
        ],
    )


def rate_totals(conn: Connection, windows: list[tuple[str, int, int]]) -> dict:
    """The shared count of each (key, period, window) that has one."""
    totals = {}
    for start in range(0, len(windows), 500):
        chosen = tuple_(rate_windows.c.key, rate_windows.c.period_s, rate_windows.c.window_no)
        rows = conn.execute(
            select(
                rate_windows.c.key,
                rate_windows.c.period_s,
                rate_windows.c.window_no,
                rate_windows.c.hits,
            ).where(chosen.in_(windows[start : start + 500]))
        )
        totals.update({(r.key, r.period_s, r.window_no): r.hits for r in rows})
    return totals
