"""Idempotency-Key: a retried request (a tablet on bad wifi) gets the first answer again.

`run_once` claims (caller, key) in the use case's own transaction, so two simultaneous
retries do the work once (on PostgreSQL the second waits for the first transaction, then sees
its row; on SQLite the write lock serialises them); the request's hash tells a retry from a
reuse. A replay answers only a caller who may still see what the first answer showed: the
service's `recheck` runs on every replay (a revoked power of attorney stops replays too).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Column, Connection, Integer, String, Table, and_, select, update

from kit import clock
from kit.auth import Principal
from kit.db import UtcDateTime, new_metadata
from kit.errors import Problem
from kit.rows import insert_if_absent

idempotency_metadata = new_metadata()

idempotency_keys = Table(
    "idempotency_keys",
    idempotency_metadata,
    Column("caller", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", JSON, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


class IdempotencyKeyReused(Problem):
    status = 422
    code = "request.idempotency_key_reused"
    title_da = "Idempotency-Key er brugt til en anden forespørgsel"
    title_en = "The Idempotency-Key was used for a different request"


@dataclass(frozen=True)
class Idempotency:
    caller: str
    key: str
    request_hash: str

    @classmethod
    def of(
        cls, principal: Principal, key: str | None, operation: str, body: bytes
    ) -> Idempotency | None:
        if not key:
            return None
        if len(key) > 200:
            raise Problem(
                detail_en="Idempotency-Key is longer than 200 characters",
                code="request.idempotency_key_invalid",
                status=422,
                field="Idempotency-Key",
            )
        digest = hashlib.sha256(operation.encode() + b"\0" + body).hexdigest()
        # The caller's kind is part of it: a person and a client never share keys.
        return cls(f"{principal.kind}:{principal.subject}", key, digest)


@dataclass(frozen=True)
class Outcome:
    """What a command returns (the HTTP layer turns it into a response); a replay says so."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


def run_once(
    conn: Connection,
    idem: Idempotency | None,
    work: Callable[[Connection], Outcome],
    *,
    recheck: Callable[[Connection, Outcome], None],
) -> Outcome:
    """Do `work` once per (caller, key) in the transaction of `conn`; a retry with the same
    request gets the first outcome again, after `recheck` (which raises to refuse it: the
    caller must still be allowed to see what the first answer showed)."""
    if idem is None:
        return work(conn)
    claimed = insert_if_absent(
        conn,
        idempotency_keys,
        {
            "caller": idem.caller,
            "key": idem.key,
            "request_hash": idem.request_hash,
            "status": 0,
            "body": {},
            "headers": {},
            "created_at": clock.now(),
        },
    )
    if not claimed:
        stored = (
            conn.execute(
                select(idempotency_keys).where(
                    and_(
                        idempotency_keys.c.caller == idem.caller, idempotency_keys.c.key == idem.key
                    )
                )
            )
            .mappings()
            .one()
        )
        if stored["request_hash"] != idem.request_hash:
            raise IdempotencyKeyReused(
                "Nøglen er allerede brugt til en anden forespørgsel.",
                "This key was already used for a different request.",
            )
        replay = Outcome(stored["status"], stored["body"], stored["headers"] or {}, True)
        recheck(conn, replay)
        return replay
    outcome = work(conn)
    conn.execute(
        update(idempotency_keys)
        .where(and_(idempotency_keys.c.caller == idem.caller, idempotency_keys.c.key == idem.key))
        .values(
            status=outcome.status,
            body=json.loads(json.dumps(outcome.body, default=str)),
            headers=outcome.headers,
        )
    )
    return outcome
