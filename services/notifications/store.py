"""Persistence of the notifications service: the only module with queries.

`messages` holds one row per message to one recipient on one channel; its unique constraint
on (trigger event, recipient, channel) is what makes a redelivered or replayed event give no
second message. `message_status` is the append-only history of each message's states. The
`*_view` tables are this service's local views of other services' facts, built from events.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    func,
    select,
    update,
)
from sqlalchemy.engine import Row

from kit import relations
from kit.db import ID, PERSON, SEQUENCE, UtcDateTime, new_metadata
from kit.rows import insert_if_absent, upsert
from services.notifications.domain import DUE, Contact

metadata = new_metadata()
# Staff relations to citizens, from the appointments' and applications' events (kit.policy).
visit_view = relations.visit_view(metadata)
assignment_view = relations.assignment_view(metadata)

contacts = Table(
    "contacts",
    metadata,
    Column("person_id", PERSON, primary_key=True),
    Column("email", String(254), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("digital_post_exempt", Boolean, nullable=False, default=False),
    Column("language", String(2), nullable=False, default="da"),
    Column("channels", JSON, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

template_versions = Table(
    "template_versions",
    metadata,
    Column("template_id", String(100), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("texts", JSON, nullable=False),  # {"da": {"subject", "body"}, "en": {...}}
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("trigger_event_id", String(100), nullable=False),
    Column("trigger_type", String(200), nullable=False),
    Column("rule_id", String(100), nullable=False),
    Column("citizen_id", PERSON, nullable=False, index=True),
    Column("recipient_id", PERSON, nullable=False, index=True),
    Column("recipient_role", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("fallback_channels", JSON, nullable=False),
    Column("fallback_of", ID, nullable=True),
    Column("template_id", String(100), nullable=False),
    Column("template_version", Integer, nullable=False),
    Column("language", String(2), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=True, index=True),
    Column("provider", String(50), nullable=False),
    Column("provider_ref", String(200), nullable=True, index=True),
    Column("reason", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint(
        "trigger_event_id", "recipient_id", "channel", name="uq_messages_trigger_recipient_channel"
    ),
    # The request or event that caused the message: its sending and delivery carry it on.
    Column("correlation_id", String(100), nullable=True),
    Column("traceparent", String(55), nullable=True),  # the trace the message arose in
)

message_status = Table(
    "message_status",
    metadata,
    Column("id", SEQUENCE, primary_key=True, autoincrement=True),
    Column("message_id", ID, nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("reason", String(100), nullable=True),
)

# When a recipient opened a letter in the portal's inbox ("Beskeder"): one row per trigger event
# and recipient, so every channel's copy of the same letter is read at once.
inbox_reads = Table(
    "inbox_reads",
    metadata,
    Column("trigger_event_id", String(100), primary_key=True),
    Column("recipient_id", PERSON, primary_key=True),
    Column("read_at", UtcDateTime, nullable=False),
)

consent_view = Table(
    "consent_view",
    metadata,
    Column("consent_id", ID, primary_key=True),
    Column("citizen_id", PERSON, nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("expires_at", UtcDateTime, nullable=True, index=True),
    Column("ended", Boolean, nullable=False, default=False),
    Column("reminded", Boolean, nullable=False, default=False),
)

case_view = Table(
    "case_view",
    metadata,
    Column("application_id", ID, primary_key=True),
    Column("citizen_id", PERSON, nullable=False),
    Column("title", String(255), nullable=True),
    Column("case_number", String(50), nullable=True),
    Column("caseworker_id", PERSON, nullable=True),
)


# Contacts -------------------------------------------------------------------------------------


def contact(conn: Connection, person_id: str) -> Contact | None:
    row = conn.execute(select(contacts).where(contacts.c.person_id == person_id)).first()
    if row is None:
        return None
    return Contact(
        person_id=row.person_id,
        email=row.email,
        phone=row.phone,
        digital_post_exempt=row.digital_post_exempt,
        language=row.language,
        channels=tuple(row.channels) if row.channels is not None else None,
    )


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


# Messages -------------------------------------------------------------------------------------


def add_message(conn: Connection, values: Mapping[str, Any]) -> bool:
    """Insert the message unless this trigger gave this recipient one on this channel."""
    return insert_if_absent(
        conn, messages, values, key=["trigger_event_id", "recipient_id", "channel"]
    )


def add_status(
    conn: Connection,
    message_id: str,
    status: str,
    at: datetime,
    attempt: int,
    reason: str | None = None,
) -> None:
    conn.execute(
        message_status.insert().values(
            message_id=message_id, status=status, at=at, attempt=attempt, reason=reason
        )
    )


def message(conn: Connection, message_id: str, *, for_update: bool = False) -> Row | None:
    query = select(messages).where(messages.c.id == message_id)
    return conn.execute(query.with_for_update() if for_update else query).first()


def message_by_provider_ref(conn: Connection, provider: str, ref: str) -> Row | None:
    return conn.execute(
        select(messages)
        .where(messages.c.provider == provider, messages.c.provider_ref == ref)
        .with_for_update()
    ).first()


def due_messages(conn: Connection, now: datetime, limit: int) -> list[Row]:
    return list(
        conn.execute(
            select(messages)
            .where(messages.c.status.in_(DUE), messages.c.next_attempt_at <= now)
            .order_by(messages.c.next_attempt_at)
            .limit(limit)
        )
    )


def claim(conn: Connection, message_id: str, status: str, now: datetime) -> bool:
    """Move a due message to sending unless another sender took it first."""
    result = conn.execute(
        update(messages)
        .where(
            messages.c.id == message_id,
            messages.c.status == status,
            messages.c.next_attempt_at <= now,
        )
        .values(status="sending", attempts=messages.c.attempts + 1, updated_at=now)
    )
    return result.rowcount == 1


def stuck_sending(conn: Connection, since: datetime, limit: int = 500) -> list[Row]:
    """Messages in sending, untouched since `since`: a crash or a lost callback."""
    return list(
        conn.execute(
            select(messages)
            .where(messages.c.status == "sending", messages.c.updated_at < since)
            .order_by(messages.c.updated_at)
            .limit(limit)
        )
    )


def update_message(conn: Connection, message_id: str, **values: Any) -> None:
    conn.execute(update(messages).where(messages.c.id == message_id).values(**values))


def hold(conn: Connection, message_id: str, until: datetime) -> None:
    conn.execute(update(messages).where(messages.c.id == message_id).values(next_attempt_at=until))


def messages_to(conn: Connection, recipient_id: str, limit: int = 200) -> list[Row]:
    return list(
        conn.execute(
            select(messages)
            .where(messages.c.recipient_id == recipient_id)
            .order_by(messages.c.created_at.desc(), messages.c.id)
            .limit(limit)
        )
    )


def messages_about(conn: Connection, citizen_id: str, limit: int = 500) -> list[Row]:
    return list(
        conn.execute(
            select(messages)
            .where(messages.c.citizen_id == citizen_id)
            .order_by(messages.c.created_at.desc(), messages.c.id)
            .limit(limit)
        )
    )


def status_history(conn: Connection, message_ids: list[str]) -> dict[str, list[Row]]:
    history: dict[str, list[Row]] = {i: [] for i in message_ids}
    if message_ids:
        for row in conn.execute(
            select(message_status)
            .where(message_status.c.message_id.in_(message_ids))
            .order_by(message_status.c.id)
        ):
            history[row.message_id].append(row)
    return history


# Local views of other services' facts ---------------------------------------------------------


def save_case(conn: Connection, application_id: str, citizen_id: str, **changes: Any) -> None:
    known = {k: v for k, v in changes.items() if v is not None}
    upsert(
        conn,
        case_view,
        {"application_id": application_id, "citizen_id": citizen_id, **known},
        changes=known,
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


def count_by_status(conn: Connection) -> dict[str, int]:
    return {
        row[0]: row[1]
        for row in conn.execute(select(messages.c.status, func.count()).group_by(messages.c.status))
    }
