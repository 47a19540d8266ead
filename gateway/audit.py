"""The audit trail: who read or changed which citizen's data, when, through which channel.

Each access is kept in the gateway's append-only audit table and published as an event (via
the outbox, in the same transaction). A citizen sees who looked at their data; staff with the
auditor role can search any citizen's trail.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from gateway import store
from gateway.caller import caller
from gateway.identity import Identity
from gateway.policy import AUDITOR_ROLE
from kit.auth import CITIZEN, STAFF, Forbidden
from kit.events import Actor, Event
from kit.outbox import record_event
from schemas.events.audit import PERSONAL_DATA_ACCESSED

bp = Blueprint("audit", __name__)
TOPIC = "audit"


def record_access(
    identity: Identity,
    citizen_ids: list[str],
    method: str,
    resource: str,
    status: int,
    correlation_id: str | None,
) -> None:
    if not citizen_ids:
        return
    action = "read" if method in ("GET", "HEAD") else "write"
    rows: list[dict[str, Any]] = [
        {
            "citizen_id": citizen,
            "actor_id": identity.subject,
            "actor_type": identity.kind,
            "channel": identity.channel,
            "action": action,
            "resource": resource[:300],
            "status": status,
            "correlation_id": correlation_id,
        }
        for citizen in citizen_ids
    ]
    with current_app.extensions["engine"].begin() as conn:
        store.add_audit(conn, rows)
        for row in rows:
            record_event(
                conn,
                TOPIC,
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
                        )
                    },
                ),
            )


def _public(row: dict) -> dict:
    return {
        k: row[k]
        for k in ("at", "actor_id", "actor_type", "channel", "action", "resource", "status")
    }


@bp.get("/api/me/access-log")
def my_access_log():
    """Who looked at my data (other than me), newest first."""
    identity = caller()
    if identity.kind != CITIZEN:
        raise Forbidden(detail_en="only citizens have an access log of their own")
    with current_app.extensions["engine"].connect() as conn:
        rows = store.find_audit(conn, identity.subject, exclude_actor=identity.subject)
    return jsonify([_public(r) for r in rows])


@bp.get("/api/audit")
def search_audit():
    identity = caller()
    if identity.kind != STAFF or AUDITOR_ROLE not in identity.roles:
        raise Forbidden(detail_en="the auditor role is needed", code="auth.missing_role")
    citizen_id = request.args.get("citizen_id", "")
    if not citizen_id:
        raise Forbidden(
            detail_en="name the citizen: ?citizen_id=<person UUID>", code="audit.citizen_required"
        )
    with current_app.extensions["engine"].connect() as conn:
        rows = store.find_audit(conn, citizen_id)
    record_access(identity, [citizen_id], "GET", "/api/audit", 200, None)
    return jsonify([{**_public(r), "citizen_id": r["citizen_id"]} for r in rows])
