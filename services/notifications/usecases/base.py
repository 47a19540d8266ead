"""What the notifications service's use cases share: the trigger of a message, the time
values of events, the template in force, and adding a message (once) with its event."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from kit import clock, tracing
from kit.events import Event, encode_event
from kit.logging import correlation_id_var
from kit.outbox import record_encoded, record_event
from services.notifications import announcements, store
from services.notifications.domain import (
    Contact,
    QuietHours,
    RetryPolicy,
    Rule,
    load_rules,
    local_times,
)
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


@dataclass
class _Batch:
    """What one transaction of many events adds, written at its end (see `batched`)."""

    messages: list[tuple[dict[str, Any], datetime, Event | None]] = field(default_factory=list)
    templates: dict[str, tuple[int, dict]] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)

    def flush(self, conn: Connection) -> None:
        added = store.add_messages(conn, [message for message, _, _ in self.messages])
        kept = [(m, now, cause) for m, now, cause in self.messages if m["id"] in added]
        store.add_statuses(
            conn,
            [
                {"message_id": m["id"], "status": "created", "at": now, "attempt": 0}
                for m, now, _ in kept
            ],
        )
        announced = [announcements.created(m, now, cause) for m, now, cause in kept]
        record_encoded(conn, announcements.TOPIC, [(e, encode_event(e)) for e in announced])


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
        self._batches: dict[Connection, _Batch] = {}

    @contextmanager
    def batched(self, conn: Connection, events: Sequence[Event] = ()) -> Iterator[None]:
        """Within it, the messages given on `conn` are written at the end in three statements
        (messages, their first status, their events) instead of three per message, each
        template is read once, and the citizens' contacts of `events` in one query. The same
        dedupe as one by one: a message the unique key already holds is left out with its
        status and event. For the consumer's batches."""
        batch = self._batches[conn] = _Batch()
        citizens = [e.data["citizen_id"] for e in events if "citizen_id" in e.data]
        if citizens:
            batch.contacts = self.contacts.contacts(conn, citizens)
        try:
            yield
            batch.flush(conn)
        finally:
            del self._batches[conn]

    def _contact(self, conn: Connection, person_id: str) -> Contact:
        batch = self._batches.get(conn)
        if batch is not None and person_id in batch.contacts:
            return batch.contacts[person_id]
        return self.contacts.contact(conn, person_id)

    def _template(self, conn: Connection, template_id: str) -> tuple[int, dict]:
        batch = self._batches.get(conn)
        if batch is not None and template_id in batch.templates:
            return batch.templates[template_id]
        row = store.latest_template_version(conn, template_id)
        if row is not None:
            found = (row.version, row.texts)
        else:
            spec = TEMPLATES[template_id]
            found = (1, {"da": spec["da"], "en": spec["en"]})
        if batch is not None:
            batch.templates[template_id] = found
        return found

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

    def _add(
        self, conn: Connection, message: dict[str, Any], now: datetime, cause: Event | None
    ) -> bool:
        batch = self._batches.get(conn)
        if batch is not None:
            batch.messages.append((message, now, cause))
            return True  # written (or left out as a duplicate) when the batch ends
        if not store.add_message(conn, message):
            return False
        store.add_status(conn, message["id"], "created", now, 0)
        record_event(conn, announcements.TOPIC, announcements.created(message, now, cause))
        return True
