"""What the API shows: messages with their status history, contacts, rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row

from services.notifications.domain import Contact, Rule


def message(row: Row | Any, history: list[Row]) -> dict[str, Any]:
    return {
        "id": row.id,
        "citizen_id": row.citizen_id,
        "recipient_id": row.recipient_id,
        "recipient_role": row.recipient_role,
        "channel": row.channel,
        "status": row.status,
        "subject": row.subject,
        "body": row.body,
        "language": row.language,
        "template_id": row.template_id,
        "template_version": row.template_version,
        "rule_id": row.rule_id,
        "trigger_type": row.trigger_type,
        "fallback_of": row.fallback_of,
        "attempts": row.attempts,
        "reason": row.reason,
        "next_attempt_at": row.next_attempt_at
        if row.status in ("created", "temporary_failure")
        else None,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "history": [
            {"status": h.status, "at": h.at, "attempt": h.attempt, "reason": h.reason}
            for h in history
        ],
    }


def contact(value: Contact) -> dict[str, Any]:
    return {
        "person_id": value.person_id,
        "email": value.email,
        "phone": value.phone,
        "language": value.language,
        "channels": list(value.channels) if value.channels is not None else None,
        "digital_post_exempt": value.digital_post_exempt,
    }


def rule(value: Rule) -> dict[str, Any]:
    return {
        "id": value.id,
        "on": value.on,
        "when": dict(value.when),
        "recipients": list(value.recipients),
        "template": value.template,
        "channels": list(value.channels),
        "preferences": value.preferences,
        "fallback": value.fallback,
        "optional": value.optional,
    }
