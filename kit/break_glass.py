"""Break-glass: a staff member opens a citizen's data outside their relations, in one way in
every service.

A grant needs a stated reason (at least `MIN_REASON` characters), lasts `SB_BREAK_GLASS_MINUTES`
(default 30), is read-only (kit.policy gives it `may_act=False`) and is recorded twice: as a
row in the service's own grants table, which `reason_for` consults on each later request, and
in the gateway's audit trail with its reason (kit.policy.check -> kit.data_subjects), where
the citizen sees it under "Hvem har set mine data" and the auditor finds it with
`GET /api/audit?flagged=break_glass`. The opening itself is audited as a look at the citizen.

A service keeps its grants in a table of its own: `grants_table(metadata)` in its store and
`create_grants_table(op)` in a migration; applications scopes a grant to one case (its own
table has an `application_id`), consents and appointments to the citizen. Guarantee: a grant
counts only between `opened_at` and `expires_at`, by the service's clock; nothing else opens.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    and_,
    insert,
    select,
)

from kit import policy
from kit.auth import STAFF, Forbidden, Principal
from kit.db import UtcDateTime
from kit.errors import Problem
from kit.request_schemas import PersonId, StrictSchema

MIN_REASON = 10  # characters: "fordi" is not a reason
MAX_REASON = 2000
TABLE = "break_glass_grants"


def minutes() -> int:
    return int(os.environ.get("SB_BREAK_GLASS_MINUTES", "30"))


class ReasonRequired(Problem):
    status = 422
    code = "break_glass.reason_required"
    title_da = "Skriv hvorfor du skal se borgerens oplysninger"
    title_en = "State why you need to see the citizen's data"


class BreakGlassSchema(StrictSchema):
    """The body of a service's `POST .../break-glass`."""

    citizen_id = PersonId(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=MAX_REASON))


def grants_table(metadata: MetaData) -> Table:
    """The grants of a service that opens a citizen's data as a whole (its store calls this)."""
    return Table(
        TABLE,
        metadata,
        Column("id", String(36), primary_key=True),
        Column("staff_id", String(200), nullable=False),
        Column("citizen_id", String(100), nullable=False, index=True),
        Column("reason", Text, nullable=False),
        Column("opened_at", UtcDateTime, nullable=False),
        Column("expires_at", UtcDateTime, nullable=False),
    )


def create_grants_table(op: Any) -> None:
    """For a service's migration."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("staff_id", sa.String(200), nullable=False),
        sa.Column("citizen_id", sa.String(100), nullable=False, index=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def stated_reason(reason: str | None, code: str = ReasonRequired.code) -> str:
    """The reason, trimmed, if it is one; else ReasonRequired (with the service's code)."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ReasonRequired(
            f"Skriv en begrundelse på mindst {MIN_REASON} tegn.",
            f"Write a reason of at least {MIN_REASON} characters.",
            field="reason",
            code=code,
        )
    return reason[:MAX_REASON]


def open_grant(
    conn: Connection,
    table: Table,
    principal: Principal,
    citizen_id: str,
    reason: str,
    now: datetime,
    **scope: Any,
) -> dict[str, Any]:
    """Record a grant for the staff member to read the citizen's data (`scope`: more columns,
    e.g. the one case it opens), and audit the opening with its reason. `reason` must have
    passed `stated_reason`."""
    if principal.kind != STAFF:
        raise Forbidden(detail_en="only staff break the glass")
    grant = {
        "id": str(uuid.uuid4()),
        "staff_id": principal.subject,
        "citizen_id": citizen_id,
        "reason": reason,
        "opened_at": now,
        "expires_at": now + timedelta(minutes=minutes()),
        **scope,
    }
    conn.execute(insert(table).values(**grant))
    policy.check(principal, citizen_id, policy.Relations(break_glass_reason=reason))
    return grant


def open_citizen(
    engine: Engine,
    table: Table,
    principal: Principal,
    citizen_id: str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Break the glass on all of one citizen's data in a service (appointments, consents): the
    reason checked, the grant recorded and audited in one transaction; returns the grant."""
    stated = stated_reason(reason)
    with engine.begin() as conn:
        return open_grant(conn, table, principal, citizen_id, stated, now)


def reason_for(
    conn: Connection, table: Table, staff_id: str, at: datetime, **scope: Any
) -> str | None:
    """The reason of the staff member's grant that holds at `at` for `scope` (e.g.
    citizen_id=..., or application_id=...), or None."""
    return conn.execute(
        select(table.c.reason)
        .where(
            and_(
                table.c.staff_id == staff_id,
                *(table.c[column] == value for column, value in scope.items()),
                table.c.opened_at <= at,
                table.c.expires_at > at,
            )
        )
        .order_by(table.c.expires_at.desc())
        .limit(1)
    ).scalar()
