"""Persistence of the organisation an administrator keeps: units, their members, and the
caseloads that say which cases a unit handles. Every query of these tables is here."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    String,
    Table,
    and_,
    delete,
    insert,
    or_,
    select,
)

from kit.rows import insert_if_absent, upsert
from services.applications.store import applications, metadata

units = Table(
    "units",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
)

unit_members = Table(
    "unit_members",
    metadata,
    Column("unit_id", String(100), ForeignKey("units.id"), primary_key=True),
    Column("staff_id", String(200), primary_key=True, index=True),
)

# What a unit handles: every case of an application type, or every case of one citizen.
caseloads = Table(
    "caseloads",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("unit_id", String(100), ForeignKey("units.id"), nullable=False, index=True),
    Column("type_id", String(100), nullable=True),
    Column("citizen_id", String(100), nullable=True),
)


def save_unit(conn: Connection, unit_id: str, name: str) -> None:
    upsert(conn, units, {"id": unit_id, "name": name})


def unit_exists(conn: Connection, unit_id: str) -> bool:
    return conn.execute(select(units.c.id).where(units.c.id == unit_id)).first() is not None


def add_member(conn: Connection, unit_id: str, staff_id: str) -> None:
    insert_if_absent(conn, unit_members, {"unit_id": unit_id, "staff_id": staff_id})


def remove_member(conn: Connection, unit_id: str, staff_id: str) -> int:
    return conn.execute(
        delete(unit_members).where(
            and_(unit_members.c.unit_id == unit_id, unit_members.c.staff_id == staff_id)
        )
    ).rowcount


def add_caseload(
    conn: Connection, unit_id: str, type_id: str | None, citizen_id: str | None
) -> dict[str, Any]:
    """The unit handles this type (or this citizen); the same entry twice is one entry."""
    found = (
        conn.execute(
            select(caseloads).where(
                and_(
                    caseloads.c.unit_id == unit_id,
                    caseloads.c.type_id.is_(None)
                    if type_id is None
                    else caseloads.c.type_id == type_id,
                    caseloads.c.citizen_id.is_(None)
                    if citizen_id is None
                    else caseloads.c.citizen_id == citizen_id,
                )
            )
        )
        .mappings()
        .first()
    )
    if found:
        return dict(found)
    row = {
        "id": str(uuid.uuid4()),
        "unit_id": unit_id,
        "type_id": type_id,
        "citizen_id": citizen_id,
    }
    conn.execute(insert(caseloads).values(**row))
    return row


def remove_caseload(conn: Connection, unit_id: str, caseload_id: str) -> int:
    return conn.execute(
        delete(caseloads).where(and_(caseloads.c.unit_id == unit_id, caseloads.c.id == caseload_id))
    ).rowcount


def list_units(conn: Connection) -> list[dict[str, Any]]:
    members: dict[str, list[str]] = {}
    for row in conn.execute(select(unit_members).order_by(unit_members.c.staff_id)):
        members.setdefault(row.unit_id, []).append(row.staff_id)
    loads: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(select(caseloads).order_by(caseloads.c.type_id, caseloads.c.id)):
        loads.setdefault(row.unit_id, []).append(
            {"id": row.id, "type_id": row.type_id, "citizen_id": row.citizen_id}
        )
    return [
        {
            "id": u.id,
            "name": u.name,
            "members": members.get(u.id, []),
            "caseload": loads.get(u.id, []),
        }
        for u in conn.execute(select(units).order_by(units.c.id))
    ]


def caseload_of(conn: Connection, staff_id: str) -> tuple[list[str], list[str]]:
    """The application types and the citizens the staff member's units handle."""
    rows = conn.execute(
        select(caseloads.c.type_id, caseloads.c.citizen_id).where(
            caseloads.c.unit_id.in_(
                select(unit_members.c.unit_id).where(unit_members.c.staff_id == staff_id)
            )
        )
    ).all()
    types = sorted({r.type_id for r in rows if r.type_id is not None})
    return types, sorted({r.citizen_id for r in rows if r.citizen_id is not None})


def my_caseload(staff_id: str):
    """A condition on applications: the case is in a caseload of one of the staff's units."""
    my_units = select(unit_members.c.unit_id).where(unit_members.c.staff_id == staff_id)
    types = select(caseloads.c.type_id).where(
        and_(caseloads.c.unit_id.in_(my_units), caseloads.c.type_id.is_not(None))
    )
    citizens = select(caseloads.c.citizen_id).where(
        and_(caseloads.c.unit_id.in_(my_units), caseloads.c.citizen_id.is_not(None))
    )
    return or_(applications.c.type_id.in_(types), applications.c.citizen_id.in_(citizens))


def in_caseload(conn: Connection, staff_id: str, application_id: str) -> bool:
    return (
        conn.execute(
            select(applications.c.id).where(
                and_(applications.c.id == application_id, my_caseload(staff_id))
            )
        ).first()
        is not None
    )
