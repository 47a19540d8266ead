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

from kit import clock, proxies, tracing
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
    """What one transaction of many events reads ahead and adds, written at its end (see
    `batched`)."""

    messages: list[tuple[dict[str, Any], datetime, Event | None]] = field(default_factory=list)
    templates: dict[str, tuple[int, dict]] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    # The case view of the batch's cases as the events leave it (None: not known), and those
    # the batch changed; written in one statement at the end.
    cases: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    changed_cases: set[str] = field(default_factory=set)
    # The active proxies of the batch's citizens, read once; None once an event in the batch
    # changed the proxy view (from then on each event reads the view, which has the change).
    proxies: dict[str, list[proxies.Proxy]] | None = None

    def flush(self, conn: Connection) -> None:
        changed = [self.cases[i] for i in sorted(self.changed_cases)]
        store.save_cases(conn, [case for case in changed if case is not None])
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
            batch.proxies = proxies.active_of(conn, citizens)
        cases = [e.data["application_id"] for e in events if "application_id" in e.data]
        if cases:
            known = store.cases(conn, cases)
            batch.cases = {i: known.get(i) for i in cases}
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

    def _save_case(
        self, conn: Connection, application_id: str, citizen_id: str, **changes: Any
    ) -> Mapping[str, Any] | None:
        """Keep what is known of the case (store.save_case); returns the case as it now is.
        In a batch the view is changed in memory and written when the batch ends."""
        batch = self._batches.get(conn)
        if batch is None or application_id not in batch.cases:
            row = store.save_case(conn, application_id, citizen_id, **changes)
            return None if row is None else dict(row._mapping)
        known = {k: v for k, v in changes.items() if v is not None}
        case = batch.cases[application_id]
        if case is None:  # as the upsert inserts it
            case = {"application_id": application_id, "citizen_id": citizen_id}
            case |= {"title": None, "case_number": None, "caseworker_id": None}
        batch.cases[application_id] = case = {**case, **known}
        batch.changed_cases.add(application_id)
        return case

    def _case(self, conn: Connection, application_id: str) -> Mapping[str, Any] | None:
        batch = self._batches.get(conn)
        if batch is not None and application_id in batch.cases:
            return batch.cases[application_id]
        row = store.case(conn, application_id)
        return None if row is None else dict(row._mapping)

    def _agents_of(self, conn: Connection, citizen_id: str, now: datetime) -> list[str]:
        """Who may read what the citizen is told (kit.proxies.agents_of)."""
        batch = self._batches.get(conn)
        if batch is not None and batch.proxies is not None and citizen_id in batch.proxies:
            return proxies.agents_among(batch.proxies[citizen_id], PROXY_SCOPE, now)
        return proxies.agents_of(conn, citizen_id, PROXY_SCOPE, now)

    def _proxies_changed(self, conn: Connection) -> None:
        """An event changed the proxy view: what the batch read ahead no longer holds."""
        batch = self._batches.get(conn)
        if batch is not None:
            batch.proxies = None

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
