"""Persistence of casework: break-glass grants, payments, internal notes, the visit view, and
the caseworker's queue. Every query of these tables is here (units and caseloads:
organisation_store.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    ForeignKey,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    or_,
    select,
    tuple_,
)

from kit import relations as kit_relations
from kit.break_glass import reason_for
from kit.db import UtcDateTime
from kit.policy import Relations
from services.applications.organisation_store import caseload_of, in_caseload
from services.applications.store import applications, consent_view, fetched_data, metadata, now

break_glass = Table(
    "break_glass",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("staff_id", String(200), nullable=False),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False),
    Column("citizen_id", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False, index=True),
    Column("amount_ore", BigInteger, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("period", String(7), nullable=True),  # YYYY-MM for monthly benefits
    Column("registered_by", String(200), nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("written_by", String(200), nullable=False),
    Column("written_at", UtcDateTime, nullable=False),
)

visit_view = kit_relations.visit_view(metadata)


# -- relations --------------------------------------------------------------------------------


def relations(
    conn: Connection,
    staff_id: str,
    citizen_id: str,
    application: dict[str, Any] | None,
    at: datetime,
    window: kit_relations.VisitWindow,
) -> Relations:
    """What proves the staff member's relation to the citizen (and this case), right now."""
    case = application is not None and application["state"] != "draft"
    return Relations(
        assigned=application is not None and application.get("assignee_id") == staff_id,
        caseload=case and in_caseload(conn, staff_id, application["id"]),  # type: ignore[index]
        visit=kit_relations.has_visit(conn, visit_view, staff_id, citizen_id, at, window),
        break_glass_reason=(  # kit.break_glass: a grant here opens one case
            reason_for(conn, break_glass, staff_id, at, application_id=application["id"])
            if application
            else None
        ),
    )


def find_by_case_number(conn: Connection, case_number: str) -> dict[str, Any] | None:
    row = (
        conn.execute(select(applications).where(applications.c.case_number == case_number))
        .mappings()
        .first()
    )
    return dict(row) if row else None


# -- payments and notes -----------------------------------------------------------------------


def add_payment(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(payments).values(registered_at=now(), **row))


def list_payments(conn: Connection, application_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(payments)
        .where(payments.c.application_id == application_id)
        .order_by(payments.c.paid_on, payments.c.registered_at)
    ).mappings()
    return [dict(r) for r in rows]


def add_note(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(case_notes).values(written_at=now(), **row))


def list_notes(conn: Connection, application_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(case_notes)
        .where(case_notes.c.application_id == application_id)
        .order_by(case_notes.c.written_at)
    ).mappings()
    return [dict(r) for r in rows]


# -- the queue --------------------------------------------------------------------------------

OPEN_STATES = ("submitted", "under_review", "awaiting_citizen")


def queue(
    conn: Connection,
    staff_id: str,
    *,
    states: tuple[str, ...],
    type_id: str | None,
    assignee: str | None,
    submitted_before: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The cases the staff member may handle, oldest first, after a keyset (submitted_at,
    id); and how many there are in each state with the same filters."""
    # The caseload first, as values: "assignee OR type IN (subquery) OR citizen IN
    # (subquery)" made PostgreSQL read every case in the table (a filter per row); with
    # values each arm is an index lookup (issue 18: the queue at a million cases).
    # An empty IN renders as a subquery again: only the arms that have values.
    types, citizens = caseload_of(conn, staff_id)
    mine = [applications.c.assignee_id == staff_id]
    if types:
        mine.append(applications.c.type_id.in_(types))
    if citizens:
        mine.append(applications.c.citizen_id.in_(citizens))
    conditions = [applications.c.state != "draft", or_(*mine)]
    if type_id:
        conditions.append(applications.c.type_id == type_id)
    if assignee == "none":
        conditions.append(applications.c.assignee_id.is_(None))
    elif assignee:
        conditions.append(applications.c.assignee_id == assignee)
    if submitted_before is not None:
        conditions.append(applications.c.submitted_at < submitted_before)
    counts = {
        state: int(count)
        for state, count in conn.execute(
            select(applications.c.state, func.count())
            .where(and_(*conditions))
            .group_by(applications.c.state)
        )
    }
    listed = [*conditions, applications.c.state.in_(states)]
    if after is not None:
        listed.append(tuple_(applications.c.submitted_at, applications.c.id) > tuple_(*after))
    rows = conn.execute(
        select(
            applications.c.id,
            applications.c.type_id,
            applications.c.title,
            applications.c.case_number,
            applications.c.state,
            applications.c.outcome,
            applications.c.citizen_id,
            applications.c.assignee_id,
            applications.c.submitted_at,
            applications.c.information_deadline,
        )
        .where(and_(*listed))
        .order_by(applications.c.submitted_at, applications.c.id)
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows], counts


# -- what the case page shows from the local views ---------------------------------------------


def consents_of(conn: Connection, citizen_id: str) -> list[dict[str, Any]]:
    """The citizen's consents as this service knows them (active and ended), newest first."""
    rows = conn.execute(
        select(consent_view)
        .where(consent_view.c.citizen_id == citizen_id)
        .order_by(consent_view.c.changed_at.desc())
    ).mappings()
    return [dict(r) for r in rows]


def fetched_of(conn: Connection, application_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(fetched_data)
        .where(fetched_data.c.application_id == application_id)
        .order_by(fetched_data.c.id)
    ).mappings()
    return [dict(r) for r in rows]
