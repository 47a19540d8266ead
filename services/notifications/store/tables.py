"""The notifications service's tables.

`messages` holds one row per message to one recipient on one channel; its unique constraint
on (trigger event, recipient, channel) is what makes a redelivered or replayed event give no
second message. `message_status` is the append-only history of each message's states. The
`*_view` tables are this service's local views of other services' facts, built from events.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kit import relations
from kit.db import ID, PERSON, SEQUENCE, UtcDateTime, new_metadata

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
