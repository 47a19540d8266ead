"""Queries on what the service knows of people and texts: contacts, templates, letters read,
and its local views of other services' facts (cases, consents)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.engine import Row

from kit.rows import dialect_insert, insert_if_absent, upsert
from services.notifications.domain import Contact
from services.notifications.store.tables import (
    case_view,
    consent_view,
    contacts,
    inbox_reads,
    template_versions,
)

# Contacts -------------------------------------------------------------------------------------


def contact(conn: Connection, person_id: str) -> Contact | None:
    row = conn.execute(select(contacts).where(contacts.c.person_id == person_id)).first()
    return None if row is None else _contact(row)


def _contact(row: Row) -> Contact:
    return Contact(
        person_id=row.person_id,
        email=row.email,
        phone=row.phone,
        digital_post_exempt=row.digital_post_exempt,
        language=row.language,
        channels=tuple(row.channels) if row.channels is not None else None,
    )


def contacts_of(conn: Connection, person_ids: Sequence[str]) -> dict[str, Contact]:
    """`contact` for many: those that have a row, by person id."""
    if not person_ids:
        return {}
    rows = conn.execute(select(contacts).where(contacts.c.person_id.in_(sorted(set(person_ids)))))
    return {row.person_id: _contact(row) for row in rows}


def save_contact(conn: Connection, value: Contact, now: datetime) -> None:
    upsert(
        conn,
        contacts,
        {
            "person_id": value.person_id,
            "email": value.email,
            "phone": value.phone,
            "digital_post_exempt": value.digital_post_exempt,
            "language": value.language,
            "channels": list(value.channels) if value.channels is not None else None,
            "updated_at": now,
        },
    )


# Templates ------------------------------------------------------------------------------------


def template_versions_of(conn: Connection, template_id: str) -> list[Row]:
    return list(
        conn.execute(
            select(template_versions)
            .where(template_versions.c.template_id == template_id)
            .order_by(template_versions.c.version)
        )
    )


def latest_template_version(conn: Connection, template_id: str) -> Row | None:
    return conn.execute(
        select(template_versions)
        .where(template_versions.c.template_id == template_id)
        .order_by(template_versions.c.version.desc())
        .limit(1)
    ).first()


def add_template_version(
    conn: Connection, template_id: str, version: int, texts: dict, created_by: str, now: datetime
) -> None:
    conn.execute(
        template_versions.insert().values(
            template_id=template_id,
            version=version,
            texts=texts,
            created_by=created_by,
            created_at=now,
        )
    )


# Local views of other services' facts ---------------------------------------------------------


def save_case(conn: Connection, application_id: str, citizen_id: str, **changes: Any) -> Row | None:
    """Keep what is known of the case; returns the case as it now is."""
    known = {k: v for k, v in changes.items() if v is not None}
    row = upsert(
        conn,
        case_view,
        {"application_id": application_id, "citizen_id": citizen_id, **known},
        changes=known,
        returning=[c.name for c in case_view.columns],
    )
    # Nothing to change on a case already known returns no row: read it.
    return row if row is not None else case(conn, application_id)


def cases(conn: Connection, application_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """`case` for many: those known, as mappings by application id."""
    if not application_ids:
        return {}
    rows = conn.execute(
        select(case_view).where(case_view.c.application_id.in_(sorted(set(application_ids))))
    )
    return {row.application_id: dict(row._mapping) for row in rows}


def save_cases(conn: Connection, values: Sequence[Mapping[str, Any]]) -> None:
    """Write whole rows of the case view in one statement (a batch's cases as its events
    left them: `save_case`'s changes already applied)."""
    if not values:
        return
    statement = dialect_insert(conn, case_view)
    columns = [c.name for c in case_view.columns if c.name != "application_id"]
    conn.execute(  # many parameter sets: compiled once (see kit.rows.insert_many_if_absent)
        statement.on_conflict_do_update(
            index_elements=["application_id"],
            set_={name: statement.excluded[name] for name in columns},
        ),
        list(values),
    )


def case(conn: Connection, application_id: str) -> Row | None:
    return conn.execute(
        select(case_view).where(case_view.c.application_id == application_id)
    ).first()


def save_consent(
    conn: Connection, consent_id: str, citizen_id: str, purpose: str, expires_at: datetime | None
) -> None:
    upsert(
        conn,
        consent_view,
        {
            "consent_id": consent_id,
            "citizen_id": citizen_id,
            "purpose": purpose,
            "expires_at": expires_at,
            "ended": False,
            "reminded": False,
        },
        changes={"purpose": purpose},
    )


def consent(conn: Connection, consent_id: str) -> Row | None:
    return conn.execute(select(consent_view).where(consent_view.c.consent_id == consent_id)).first()


def end_consent(conn: Connection, consent_id: str) -> None:
    conn.execute(
        update(consent_view).where(consent_view.c.consent_id == consent_id).values(ended=True)
    )


def consents_to_remind(conn: Connection, now: datetime, until: datetime, limit: int) -> list[Row]:
    return list(
        conn.execute(
            select(consent_view)
            .where(
                and_(
                    consent_view.c.ended.is_(False),
                    consent_view.c.reminded.is_(False),
                    consent_view.c.expires_at > now,
                    consent_view.c.expires_at <= until,
                )
            )
            .order_by(consent_view.c.expires_at)
            .limit(limit)
        )
    )


def mark_reminded(conn: Connection, consent_id: str) -> bool:
    """True once per consent: the reminder's own exactly-once guard."""
    result = conn.execute(
        update(consent_view)
        .where(
            consent_view.c.consent_id == consent_id,
            consent_view.c.reminded.is_(False),
            consent_view.c.ended.is_(False),
        )
        .values(reminded=True)
    )
    return result.rowcount == 1


def read_letters(conn: Connection, recipient_id: str) -> dict[str, datetime]:
    """When the recipient read each letter: trigger event id -> read at."""
    rows = conn.execute(
        select(inbox_reads.c.trigger_event_id, inbox_reads.c.read_at).where(
            inbox_reads.c.recipient_id == recipient_id
        )
    )
    return {row.trigger_event_id: row.read_at for row in rows}


def mark_letter_read(
    conn: Connection, trigger_event_id: str, recipient_id: str, at: datetime
) -> None:
    """Once: the first reading is the one kept."""
    insert_if_absent(
        conn,
        inbox_reads,
        {"trigger_event_id": trigger_event_id, "recipient_id": recipient_id, "read_at": at},
    )
