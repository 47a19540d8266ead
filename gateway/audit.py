"""The audit trail: who read or changed which citizen's data, when, through which channel.

Each access is kept in the gateway's append-only audit table and published as an event (via
the outbox, in the same transaction). A citizen sees who looked at their data; staff with the
auditor role can search any citizen's trail.

A request does not wait for its audit row: it hands the entry to the AuditWriter, whose one
thread writes whatever has queued up in one transaction (docs/decisions/0010-*.md).
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import Engine

from gateway import store
from gateway.caller import caller
from gateway.identity import Identity
from gateway.policy import AUDITOR_ROLE
from kit.auth import CITIZEN, STAFF, Forbidden
from kit.db import read_only
from kit.errors import Problem
from kit.events import Actor, Event, encode_event
from kit.outbox import record_encoded
from kit.policy import BREAK_GLASS
from schemas.events.audit import PERSONAL_DATA_ACCESSED

bp = Blueprint("audit", __name__)
TOPIC = "audit"
log = logging.getLogger(__name__)


_Entry = tuple[list[dict[str, Any]], list[tuple[Event, bytes]]]  # rows, encoded events


class AuditWriter:
    """Writes audit entries (rows and their events) in batches from one background thread.

    Guarantee: every entry handed to `add` is written, in order, unless the process is
    killed outright (SIGKILL, power loss): `close` (called at interpreter exit, which
    gunicorn reaches on a graceful stop) writes what is still queued. A batch that fails to
    write is retried, never dropped; the queue is bounded, so a database that stays down
    makes requests wait (back-pressure) rather than eat memory.
    """

    def __init__(
        self,
        engine: Engine,
        max_batch: int = 500,
        max_queued: int = 50_000,
        linger_s: float = 0.02,
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        # After the first entry of a batch, wait this long for more: without it the writer
        # woke for every request and wrote batches of one, a transaction per read and a
        # thread hand-off that took a tenth of the gateway's time (issue 18's profile).
        self.linger_s = linger_s
        self._queue: queue.Queue[_Entry | None] = queue.Queue(max_queued)
        self._idle = threading.Condition()
        self._adding = threading.Lock()
        self._added = 0  # entries handed over so far
        self._written = 0  # of those, committed (in order: one thread, one queue)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def add(self, rows: list[dict[str, Any]], events: list[Event]) -> None:
        entry = (rows, [(event, encode_event(event)) for event in events])
        if self._closed:  # after close (tests, shutdown): write it here and now
            self._write([entry])
            return
        with self._adding:  # queue order = count order; a full queue holds only adders
            self._added += 1
            self._queue.put(entry)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything added before this call is committed (read your own audit)."""
        with self._adding:
            target = self._added
        with self._idle:
            return self._idle.wait_for(lambda: self._written >= target, timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join(30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            batch = [] if first is None else [first]
            stop = first is None
            if not stop and self.linger_s and not self._closed:
                time.sleep(self.linger_s)
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    continue
                batch.append(item)
            if batch:
                self._write_until_done(batch)
                with self._idle:
                    self._written += len(batch)
                    self._idle.notify_all()
            if stop and self._queue.empty():
                return

    def _write_until_done(self, batch: list[_Entry]) -> None:
        delay = 0.05
        while True:
            try:
                self._write(batch)
                return
            except Exception:  # keep the entries and try again
                log.exception("audit batch of %d not written; retrying", len(batch))
                threading.Event().wait(delay)
                delay = min(delay * 2, 2.0)

    def _write(self, batch: list[_Entry]) -> None:
        with self.engine.begin() as conn:
            store.add_audit(conn, [row for rows, _ in batch for row in rows])
            record_encoded(conn, TOPIC, [event for _, events in batch for event in events])


def audit_writer() -> AuditWriter:
    return current_app.extensions["audit_writer"]


def record_access(
    identity: Identity,
    citizen_ids: list[str],
    method: str,
    resource: str,
    status: int,
    correlation_id: str | None,
    basis: str | None = None,
    reason: str | None = None,
) -> None:
    if citizen_ids:
        audit_writer().add(
            *_entries(
                identity, citizen_ids, method, resource, status, correlation_id, basis, reason
            )
        )


def _entries(
    identity: Identity,
    citizen_ids: list[str],
    method: str,
    resource: str,
    status: int,
    correlation_id: str | None,
    basis: str | None = None,
    reason: str | None = None,
) -> tuple[list[dict[str, Any]], list[Event]]:
    """The audit rows of one access, and the event each publishes."""
    action = "read" if method in ("GET", "HEAD") else "write"
    at = datetime.now(UTC)  # when it happened, not when the batch is written
    rows: list[dict[str, Any]] = [
        {
            "at": at,
            "citizen_id": citizen,
            "actor_id": identity.subject,
            "actor_type": identity.kind,
            "channel": identity.channel,
            "action": action,
            "resource": resource[:300],
            "status": status,
            "correlation_id": correlation_id,
            "basis": basis[:30] if basis else None,
            "reason": reason[:1000] if reason else None,
        }
        for citizen in citizen_ids
    ]
    return (
        rows,
        [
            Event(
                type=PERSONAL_DATA_ACCESSED,
                source="/gateway",
                subject=row["citizen_id"],
                correlation_id=correlation_id or "",
                actor=Actor(
                    identity.subject,
                    identity.kind,
                    identity.channel,
                    on_behalf_of=row["citizen_id"]
                    if row["citizen_id"] != identity.subject
                    else None,
                ),
                data={
                    k: row[k]
                    for k in (
                        "citizen_id",
                        "actor_id",
                        "actor_type",
                        "channel",
                        "action",
                        "resource",
                        "status",
                        "basis",
                    )
                },
            )
            for row in rows
        ],
    )


PAGE_DEFAULT, PAGE_MAX = 100, 500


def _page() -> tuple[int, int | None]:
    """`?limit=` (1..500, default 100) and `?before=` (the cursor from the Link header)."""
    try:
        limit = int(request.args.get("limit", PAGE_DEFAULT))
        before = int(request.args["before"]) if "before" in request.args else None
    except ValueError:
        raise Problem(
            "Sidevalget er ugyldigt.",
            "limit and before must be whole numbers",
            code="request.invalid_page",
            status=422,
        )
    if not 1 <= limit <= PAGE_MAX or (before is not None and before < 1):
        raise Problem(
            "Sidevalget er ugyldigt.",
            f"limit must be 1..{PAGE_MAX}, before a positive cursor",
            code="request.invalid_page",
            status=422,
        )
    return limit, before


def _paged(items: list[dict], rows: list[dict], limit: int):
    """The page as a JSON list, with RFC 8288 `Link: <...>; rel="next"` when more may follow."""
    response = jsonify(items)
    if len(rows) == limit:
        args = {**request.args.to_dict(), "before": str(rows[-1]["id"]), "limit": str(limit)}
        query = "&".join(f"{k}={v}" for k, v in sorted(args.items()))
        response.headers["Link"] = f'<{request.path}?{query}>; rel="next"'
    return response


def _public(row: dict) -> dict:
    return {
        k: row[k]
        for k in (
            "at",
            "actor_id",
            "actor_type",
            "channel",
            "action",
            "resource",
            "status",
            "basis",
            "reason",
        )
    }


@bp.get("/api/me/access-log")
def my_access_log():
    """Who looked at my data (other than me), newest first."""
    identity = caller()
    if identity.kind != CITIZEN:
        raise Forbidden(detail_en="only citizens have an access log of their own")
    limit, before = _page()
    audit_writer().flush()
    with read_only(current_app.extensions["engine"]) as conn:
        rows = store.find_audit(
            conn, identity.subject, exclude_actor=identity.subject, limit=limit, before=before
        )
    return _paged([_public(r) for r in rows], rows, limit)


@bp.get("/api/audit")
def search_audit():
    identity = caller()
    if identity.kind != STAFF or AUDITOR_ROLE not in identity.roles:
        raise Forbidden(detail_en="the auditor role is needed", code="auth.missing_role")
    limit, before = _page()
    audit_writer().flush()
    if request.args.get("flagged") == BREAK_GLASS:
        # Every break-glass access, newest first: the auditor follows each one up.
        with read_only(current_app.extensions["engine"]) as conn:
            rows = store.find_audit(conn, None, limit=limit, before=before, basis=BREAK_GLASS)
        return _paged([{**_public(r), "citizen_id": r["citizen_id"]} for r in rows], rows, limit)
    citizen_id = request.args.get("citizen_id", "")
    if not citizen_id:
        raise Forbidden(
            detail_en="name the citizen: ?citizen_id=<person UUID>", code="audit.citizen_required"
        )
    with read_only(current_app.extensions["engine"]) as conn:
        rows = store.find_audit(conn, citizen_id, limit=limit, before=before)
    record_access(identity, [citizen_id], "GET", "/api/audit", 200, None)
    return _paged([{**_public(r), "citizen_id": r["citizen_id"]} for r in rows], rows, limit)
