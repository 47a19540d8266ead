"""Persistence of the applications service: its tables and every query it makes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    bindparam,
    insert,
    or_,
    select,
    update,
)

from kit import clock
from kit.db import SEQUENCE, UtcDateTime, new_metadata
from kit.rows import upsert

metadata = new_metadata()

applications = Table(
    "applications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("type_id", String(100), nullable=False),
    Column("type_version", String(10), nullable=False),
    Column("title", String(255), nullable=False),
    Column("citizen_id", String(100), nullable=False, index=True),
    # Kept for the case system and the national overview only; never logged or put in URLs.
    Column("citizen_cpr", String(10), nullable=True),
    Column("case_number", String(50), nullable=True, unique=True),
    Column("state", String(30), nullable=False),
    Column("outcome", String(30), nullable=True),
    Column("answers", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_by_type", String(20), nullable=False),
    # Shown to the citizen: "started with <staff name> on <date>" (co-service on a tablet).
    Column("created_by_name", String(200), nullable=True),
    Column("channel", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("submitted_at", UtcDateTime, nullable=True),
    Column("information_deadline", Date, nullable=True),
    # A submission staff made on the citizen's behalf: who attests that the citizen confirmed
    # it, and when the citizen did (on the tablet's clock).
    Column("attested_by", String(200), nullable=True),
    Column("citizen_confirmed_at", UtcDateTime, nullable=True),
    Column("assignee_id", String(200), nullable=True, index=True),  # the caseworker who has it
    Column("granted_amount_ore", BigInteger, nullable=True),  # decided: monthly, or once
)

history = Table(
    "application_history",
    metadata,
    Column("id", SEQUENCE, primary_key=True, autoincrement=True),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False, index=True),
    Column("action", String(40), nullable=False),
    Column("from_state", String(30), nullable=True),
    Column("to_state", String(30), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_type", String(20), nullable=False),
    Column("on_behalf_of", String(100), nullable=True),
    Column("channel", String(20), nullable=False),
    Column("reason", Text, nullable=True),
    Column("at", UtcDateTime, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False, index=True),
    Column("requirement_id", String(100), nullable=True),  # which requested attachment
    Column("title", String(255), nullable=False),
    Column("direction", String(10), nullable=False),  # incoming, outgoing, internal
    Column("document_date", Date, nullable=False),
    Column("filename", String(255), nullable=True),
    Column("content_type", String(100), nullable=True),
    Column("size", Integer, nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("content", LargeBinary, nullable=True),
    Column("added_by", String(200), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
)

consent_view = Table(
    "consent_view",
    metadata,
    Column("consent_id", String(100), primary_key=True),
    Column("citizen_id", String(100), nullable=False, index=True),
    Column("purpose", String(200), nullable=False),
    Column("sources", JSON, nullable=False),
    Column("data_categories", JSON, nullable=False),
    Column("case_ref", String(100), nullable=True),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("state", String(20), nullable=False),  # active, withdrawn, expired
    Column("changed_at", UtcDateTime, nullable=False),
)

fetched_data = Table(
    "fetched_data",
    metadata,
    Column("id", SEQUENCE, primary_key=True, autoincrement=True),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False, index=True),
    Column("fetch_id", String(100), nullable=False),
    Column("source", String(100), nullable=False),
    Column("consent_id", String(100), nullable=False),
    Column("data", JSON, nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
)

case_number_counters = Table(
    "case_number_counters",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
)


def now() -> datetime:
    return clock.now()


# -- applications -----------------------------------------------------------------------------


def insert_application(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(applications).values(**row))


def get_application(
    conn: Connection, application_id: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    query = select(applications).where(applications.c.id == application_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def update_application(
    conn: Connection, application_id: str, expected_version: int, **values: Any
) -> bool:
    """Compare-and-set on the version: False if someone else changed it first."""
    result = conn.execute(
        update(applications)
        .where(
            and_(applications.c.id == application_id, applications.c.version == expected_version)
        )
        .values(version=expected_version + 1, updated_at=now(), **values)
    )
    return result.rowcount == 1


# Built once: a citizen's list is the most frequent read (issue 18's profile).
_CITIZENS_APPLICATIONS = (
    select(applications)
    .where(applications.c.citizen_id.in_(bindparam("citizen_ids", expanding=True)))
    .order_by(applications.c.created_at.desc())
)


def list_applications(conn: Connection, citizen_ids: list[str]) -> list[dict[str, Any]]:
    rows = conn.execute(_CITIZENS_APPLICATIONS, {"citizen_ids": list(citizen_ids)}).mappings()
    return [dict(r) for r in rows]


def next_case_number(conn: Connection, year: int) -> str:
    # One statement: the year's first two submissions, side by side (two web replicas), must
    # not both find no counter and both insert one (seen: a 500 in tests/faults/test_replicas).
    upsert(
        conn,
        case_number_counters,
        {"year": year, "last": 1},
        changes={"last": case_number_counters.c.last + 1},
    )
    last = conn.execute(
        select(case_number_counters.c.last).where(case_number_counters.c.year == year)
    ).scalar_one()
    return f"ANS-{year}-{last:06d}"


# -- history ----------------------------------------------------------------------------------


def add_history(conn: Connection, **row: Any) -> None:
    conn.execute(insert(history).values(at=now(), **row))


def get_history(conn: Connection, application_id: str) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            select(history).where(history.c.application_id == application_id).order_by(history.c.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


# -- documents --------------------------------------------------------------------------------


def insert_document(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(documents).values(added_at=now(), **row))


def list_documents(
    conn: Connection, application_id: str, *, include_internal: bool
) -> list[dict[str, Any]]:
    query = select(*[c for c in documents.c if c.name != "content"]).where(
        documents.c.application_id == application_id
    )
    if not include_internal:
        query = query.where(documents.c.direction != "internal")
    return [dict(r) for r in conn.execute(query.order_by(documents.c.added_at)).mappings()]


def get_document(conn: Connection, application_id: str, document_id: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(documents).where(
                and_(documents.c.id == document_id, documents.c.application_id == application_id)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def attachment_requirements_met(conn: Connection, application_id: str) -> set[str]:
    return attachment_requirements_met_many(conn, [application_id]).get(application_id, set())


def attachment_requirements_met_many(
    conn: Connection, application_ids: list[str]
) -> dict[str, set[str]]:
    """Per application, the attachment requirements its documents meet (one query for a list)."""
    met: dict[str, set[str]] = {}
    if not application_ids:
        return met
    rows = conn.execute(
        select(documents.c.application_id, documents.c.requirement_id).where(
            and_(
                documents.c.application_id.in_(application_ids),
                documents.c.requirement_id.is_not(None),
            )
        )
    )
    for row in rows:
        met.setdefault(row.application_id, set()).add(row.requirement_id)
    return met


# -- local views of other services' facts ------------------------------------------------------


def upsert_consent(conn: Connection, row: dict[str, Any]) -> None:
    upsert(conn, consent_view, row)


def set_consent_state(conn: Connection, consent_id: str, state: str, at: datetime) -> int:
    # Only an active consent changes: a late "expired" never revives or re-dates a withdrawal.
    return conn.execute(
        update(consent_view)
        .where(and_(consent_view.c.consent_id == consent_id, consent_view.c.state == "active"))
        .values(state=state, changed_at=at)
    ).rowcount


def find_valid_consent(
    conn: Connection,
    citizen_id: str,
    purpose: str,
    source: str,
    category: list[str],
    case_ref: str,
    at: datetime,
) -> dict | None:
    rows = (
        conn.execute(
            select(consent_view).where(
                and_(
                    consent_view.c.citizen_id == citizen_id,
                    consent_view.c.purpose == purpose,
                    consent_view.c.state == "active",
                    or_(consent_view.c.case_ref.is_(None), consent_view.c.case_ref == case_ref),
                    or_(consent_view.c.expires_at.is_(None), consent_view.c.expires_at > at),
                )
            )
        )
        .mappings()
        .all()
    )
    for row in rows:
        if source in row["sources"] and set(category) <= set(row["data_categories"]):
            return dict(row)
    return None


def insert_fetched(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(fetched_data).values(fetched_at=now(), **row))


def list_fetched(conn: Connection, application_id: str) -> list[dict[str, Any]]:
    return list_fetched_many(conn, [application_id]).get(application_id, [])


def list_fetched_many(
    conn: Connection, application_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Per application, what was fetched with consent, in order (one query for a list)."""
    fetched: dict[str, list[dict[str, Any]]] = {}
    if not application_ids:
        return fetched
    rows = conn.execute(
        select(fetched_data)
        .where(fetched_data.c.application_id.in_(application_ids))
        .order_by(fetched_data.c.id)
    ).mappings()
    for row in rows:
        fetched.setdefault(row["application_id"], []).append(dict(row))
    return fetched
