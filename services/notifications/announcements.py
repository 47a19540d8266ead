"""The events the notifications service publishes: one per state change of a message."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

import schemas.events.notifications as ev
from kit.events import Actor, Event

TOPIC = "notifications"
SOURCE = "/services/notifications"
ACTOR = Actor.system("notifications")
Message = Mapping[str, Any] | RowMapping


def message_event(
    event_type: str,
    message: Message,
    status: str,
    at: datetime,
    cause: Event | None = None,
    **extra: Any,
) -> Event:
    data = {
        "message_id": message["id"],
        "citizen_id": message["citizen_id"],
        "recipient_id": message["recipient_id"],
        "recipient_role": message["recipient_role"],
        "channel": message["channel"],
        "template_id": message["template_id"],
        "status": status,
        "at": at.isoformat(),
        **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in extra.items()},
    }
    event = Event(
        type=event_type,
        source=SOURCE,
        subject=message["citizen_id"],
        data=data,
        actor=ACTOR,
        correlation_id=message.get("correlation_id") or "",
    )
    return event.caused_by(cause) if cause is not None else event


def created(message: Message, at: datetime, cause: Event | None) -> Event:
    return message_event(
        ev.MESSAGE_CREATED,
        message,
        "created",
        at,
        cause,
        rule_id=message["rule_id"],
        trigger_event_id=message["trigger_event_id"],
        trigger_type=message["trigger_type"],
        template_version=message["template_version"],
        language=message["language"],
        fallback_of=message["fallback_of"],
        not_before=message["next_attempt_at"] if message["next_attempt_at"] > at else None,
    )


def sending(message: Message, at: datetime, attempt: int) -> Event:
    return message_event(
        ev.MESSAGE_SENDING, message, "sending", at, attempt=attempt, provider=message["provider"]
    )


def delivered(message: Message, at: datetime) -> Event:
    return message_event(
        ev.MESSAGE_DELIVERED, message, "delivered", at, provider=message["provider"]
    )


def failed(
    message: Message,
    at: datetime,
    *,
    permanent: bool,
    reason: str,
    attempt: int,
    retry_at: datetime | None = None,
    fallback_to: str | None = None,
) -> Event:
    return message_event(
        ev.MESSAGE_FAILED,
        message,
        "permanent_failure" if permanent else "temporary_failure",
        at,
        permanent=permanent,
        reason=reason,
        attempt=attempt,
        retry_at=retry_at,
        fallback_to=fallback_to,
    )
