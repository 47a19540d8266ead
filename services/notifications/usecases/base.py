"""What the notifications service's use cases share: the trigger of a message, the time
values of events, the template in force, and adding a message (once) with its event."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from kit import clock, tracing
from kit.events import Event
from kit.logging import correlation_id_var
from kit.outbox import record_event
from services.notifications import announcements, store
from services.notifications.domain import QuietHours, RetryPolicy, Rule, load_rules, local_times
from services.notifications.providers import PROVIDER_OF, ContactDirectory, TableContactDirectory
from services.notifications.rules import RULES
from services.notifications.templates import TEMPLATES

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PROXY_SCOPE = "messages.read"  # a proxy with this scope is told what the citizen is told
BUILT_IN = "built-in"


def utcnow() -> datetime:
    return clock.now()


def active_rules() -> list[Rule]:
    """The rules in force (checked against the templates)."""
    return load_rules(RULES, TEMPLATES)


@dataclass(frozen=True)
class Trigger:
    """Something that may give messages: an event from the bus, or an internal fact."""

    id: str
    type: str
    citizen_id: str
    data: Mapping[str, Any]
    cause: Event | None = None
    staff_id: str | None = None
    correlation_id: str | None = None  # else the cause's, else the current request's

    @property
    def correlation(self) -> str | None:
        if self.correlation_id:
            return self.correlation_id
        return self.cause.correlation_id if self.cause else correlation_id_var.get()


def _instant(value: Any) -> Any:
    if isinstance(value, str):
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    return value


TIME_FIELDS = ("appointment_time", "previous_time")


def _moment(value: Any) -> dict[str, str] | None:
    """An ISO 8601 time with its offset, written out in Copenhagen time per language; None
    (so rendering refuses it, never guesses) if it is missing, not a time or has no zone."""
    try:
        instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return None
    if not isinstance(instant, datetime) or instant.utcoffset() is None:
        return None
    return local_times(instant)


class NotificationsBase:
    """The engine, the clock, the contact directory, the rules, quiet hours and retries."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock = utcnow,
        *,
        contacts: ContactDirectory | None = None,
        rules: list[Rule] | None = None,
        quiet: QuietHours | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.contacts = contacts or TableContactDirectory()
        self.rules = rules if rules is not None else active_rules()
        self.quiet = quiet or QuietHours()
        self.retry = retry or RetryPolicy()

    def _template(self, conn: Connection, template_id: str) -> tuple[int, dict]:
        row = store.latest_template_version(conn, template_id)
        if row is not None:
            return row.version, row.texts
        spec = TEMPLATES[template_id]
        return 1, {"da": spec["da"], "en": spec["en"]}

    def _message(
        self,
        trigger: Trigger,
        rule: Rule,
        recipient_id: str,
        role: str,
        channels: list[str],
        template_id: str,
        version: int,
        language: str,
        subject: str,
        body: str,
        now: datetime,
        fallback_of: str | None = None,
    ) -> dict[str, Any]:
        channel = channels[0]
        return {
            "id": str(uuid.uuid4()),
            "trigger_event_id": trigger.id,
            "trigger_type": trigger.type,
            "rule_id": rule.id,
            "citizen_id": trigger.citizen_id,
            "recipient_id": recipient_id,
            "recipient_role": role,
            "channel": channel,
            "fallback_channels": channels[1:],
            "fallback_of": fallback_of,
            "template_id": template_id,
            "template_version": version,
            "language": language,
            "subject": subject,
            "body": body,
            "status": "created",
            "attempts": 0,
            "next_attempt_at": self.quiet.not_before(channel, now) or now,
            "provider": PROVIDER_OF[channel],
            "provider_ref": None,
            "reason": None,
            "correlation_id": trigger.correlation,
            "traceparent": tracing.current_traceparent(),
            "created_at": now,
            "updated_at": now,
        }

    @staticmethod
    def _add(conn: Connection, message: dict[str, Any], now: datetime, cause: Event | None) -> bool:
        if not store.add_message(conn, message):
            return False
        store.add_status(conn, message["id"], "created", now, 0)
        record_event(conn, announcements.TOPIC, announcements.created(message, now, cause))
        return True
