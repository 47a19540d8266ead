"""Use cases of the notifications service: events become messages (by the rules), outcomes of
sending move messages along, and people read their history, templates and preferences."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

import schemas.events.notifications  # noqa: F401 - registers the types (until schemas.events does)
from kit import clock
from kit.auth import CITIZEN, Principal
from kit.data_subjects import touched
from kit.errors import Problem
from kit.events import Event
from kit.outbox import record_event
from schemas.events import applications as app_ev
from schemas.events import consents as consent_ev
from services.notifications import announcements, store, views
from services.notifications.domain import (
    DELIVERED,
    PERMANENT_FAILURE,
    TEMPORARY_FAILURE,
    MessageNotFound,
    QuietHours,
    RetryPolicy,
    Rule,
    TemplateInvalid,
    TemplateNotFound,
    check_transition,
    choose_channels,
    load_rules,
    local_times,
    render,
    validate_template,
)
from services.notifications.providers import (
    ACCEPTED,
    PERMANENT,
    PROVIDER_OF,
    TEMPORARY,
    ContactDirectory,
    SendResult,
    TableContactDirectory,
)
from services.notifications.rules import APPOINTMENT_EVENTS, RULES
from services.notifications.templates import (
    APPOINTMENT_KINDS,
    APPOINTMENT_PLACES,
    CONSENT_PURPOSES,
    OUTCOMES,
    TEMPLATES,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PROXY_SCOPE = "messages.read"  # a proxy with this scope is told what the citizen is told
BUILT_IN = "built-in"


def utcnow() -> datetime:
    return clock.now()


def active_rules() -> list[Rule]:
    """The rules in force (checked against the templates)."""
    return load_rules(RULES, TEMPLATES)


class TemplateVersionConflict(Problem):
    status = 409
    code = "template.version_conflict"
    title_da = "En anden gemte en ny version samtidig. Prøv igen"
    title_en = "Someone else saved a new version at the same time. Try again"


class CitizenRequired(Problem):
    status = 422
    code = "notification.citizen_required"
    title_da = "Angiv hvilken borger det gælder"
    title_en = "Name the citizen this is about"


@dataclass(frozen=True)
class Trigger:
    """Something that may give messages: an event from the bus, or an internal fact."""

    id: str
    type: str
    citizen_id: str
    data: Mapping[str, Any]
    cause: Event | None = None
    staff_id: str | None = None


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


def appointment_values(data: Mapping[str, Any], role: str) -> dict[str, Any]:
    """What, when and where of an appointment event, for one reader (citizen or proxy).

    From the event only: the kind in words, the start (and a move's previous start) in
    Copenhagen time, and the place: "hos dig" for a home visit (the address is never in the
    events nor in the messages), the join link of a video visit, the office's place if the
    event names it (`location`), else a pointer to the portal. An unknown kind leaves the
    fields empty, so rendering refuses the event instead of sending a message with a gap.
    """
    kind = data.get("kind")
    values: dict[str, Any] = {
        "appointment_kind": APPOINTMENT_KINDS.get(str(kind)),
        "appointment_time": _moment(data.get("starts_at")),
    }
    if "previous_starts_at" in data:
        values["previous_time"] = _moment(data["previous_starts_at"])
    place: dict[str, str] | None = None
    if kind == "home_visit":
        place = APPOINTMENT_PLACES["home_visit.proxy" if role == "proxy" else "home_visit"]
    elif kind == "video_visit":
        link = str(data.get("video_url") or "").strip()
        place = (
            {k: v.format(link=link) for k, v in APPOINTMENT_PLACES["video_visit"].items()}
            if link
            else APPOINTMENT_PLACES["video_visit.no_link"]
        )
    elif kind == "office_meeting":
        where = str(data.get("location") or "").strip()
        place = (
            {k: v.format(place=where) for k, v in APPOINTMENT_PLACES["office_meeting"].items()}
            if where
            else APPOINTMENT_PLACES["office_meeting.no_place"]
        )
    values["appointment_place"] = place
    return values


class Notifications:
    """Every use case of the service."""

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

    # Events -> messages ---------------------------------------------------------------------

    def take_event(self, conn: Connection, event: Event) -> None:
        """Keep the local views, then apply the rules (one transaction, under the inbox)."""
        data = event.data
        staff_id = None
        if event.type.startswith("dk.selvbetjening.application."):
            store.save_case(
                conn,
                data["application_id"],
                data["citizen_id"],
                title=data.get("title"),
                case_number=data.get("case_number"),
                caseworker_id=event.actor.id if event.actor.type == "staff" else None,
            )
            case = store.case(conn, data["application_id"])
            staff_id = case.caseworker_id if case is not None else None
        elif event.type == consent_ev.CONSENT_GIVEN:
            if data.get("supersedes"):
                store.end_consent(conn, data["supersedes"])
            store.save_consent(
                conn,
                data["consent_id"],
                data["citizen_id"],
                data["purpose"],
                _instant(data["expires_at"]) if data.get("expires_at") else None,
            )
        elif event.type in (consent_ev.CONSENT_WITHDRAWN, consent_ev.CONSENT_EXPIRED):
            store.end_consent(conn, data["consent_id"])
        elif event.type == consent_ev.PROXY_GRANTED:
            store.save_proxy(
                conn,
                {
                    **data,
                    "valid_from": _instant(data["valid_from"]),
                    "valid_until": _instant(data["valid_until"]),
                },
            )
        elif event.type in (consent_ev.PROXY_REVOKED, consent_ev.PROXY_EXPIRED):
            store.end_proxy(conn, data["proxy_id"])
        if "citizen_id" in data:
            self.notify(
                conn, Trigger(event.id, event.type, data["citizen_id"], data, event, staff_id)
            )

    def notify(self, conn: Connection, trigger: Trigger) -> list[str]:
        """The messages the rules give for `trigger`; none twice (see store.add_message)."""
        created: list[str] = []
        now = self.clock()
        for rule in self.rules:
            if not rule.matches(trigger.type, trigger.data):
                continue
            values = self._personalisation(conn, trigger)
            version, texts = self._template(conn, rule.template)
            for recipient_id, role in self._recipients(conn, rule, trigger, now):
                contact = self.contacts.contact(conn, recipient_id)
                channels = choose_channels(rule, contact, role)
                if not channels:
                    if not rule.optional:
                        log.warning("rule %s: no channel reaches the %s", rule.id, role)
                    continue
                personal = values
                if trigger.type in APPOINTMENT_EVENTS:
                    personal = {**values, **appointment_values(trigger.data, role)}
                rendered = render(texts[contact.language], personal, contact.language)
                message = self._message(
                    trigger,
                    rule,
                    recipient_id,
                    role,
                    channels,
                    rule.template,
                    version,
                    contact.language,
                    rendered.subject,
                    rendered.body,
                    now,
                )
                if self._add(conn, message, now, trigger.cause):
                    created.append(message["id"])
        return created

    def _recipients(
        self, conn: Connection, rule: Rule, trigger: Trigger, now: datetime
    ) -> list[tuple[str, str]]:
        people: list[tuple[str, str]] = []
        if "citizen" in rule.recipients:
            people.append((trigger.citizen_id, "citizen"))
        if "proxies" in rule.recipients:
            people += [
                (agent, "proxy")
                for agent in store.proxies_of(conn, trigger.citizen_id, PROXY_SCOPE, now)
                if agent != trigger.citizen_id
            ]
        if "staff" in rule.recipients and trigger.staff_id:
            people.append((trigger.staff_id, "staff"))
        return people

    def _personalisation(self, conn: Connection, trigger: Trigger) -> dict[str, Any]:
        """The values the templates may use, from the event and the local views."""
        data = trigger.data
        values: dict[str, Any] = {k: v for k, v in data.items() if isinstance(v, str | int | dict)}
        if "application_id" in data:
            case = store.case(conn, data["application_id"])
            values["case_number"] = data.get("case_number") or (case and case.case_number)
            values["application_title"] = data.get("title") or (case and case.title)
        if trigger.type == app_ev.INFORMATION_REQUESTED:
            values["deadline"] = _instant(data["deadline"])
            values["information_message"] = data["message"]
        if "outcome" in data and data["outcome"] in OUTCOMES:
            values["outcome"] = OUTCOMES[data["outcome"]]
        if "consent_id" in data:
            consent = store.consent(conn, data["consent_id"])
            purpose = str(data.get("purpose") or (consent.purpose if consent else ""))
            values["consent_purpose"] = CONSENT_PURPOSES.get(purpose, purpose)
            expires = data.get("expires_at") or (consent and consent.expires_at)
            values["expires_on"] = _instant(expires) if expires else None
        return values

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

    # Delivery -------------------------------------------------------------------------------

    def record_outcome(
        self, conn: Connection, message: Row, result: SendResult, now: datetime
    ) -> None:
        """What a provider said (on hand-over or by callback) moves the message along."""
        attempt = message.attempts
        if result.outcome == ACCEPTED:
            store.update_message(conn, message.id, provider_ref=result.provider_ref, updated_at=now)
            return
        if result.outcome == TEMPORARY:
            retry_at = self.retry.next_attempt(attempt, now)
            if retry_at is None:
                result = SendResult(PERMANENT, result.provider_ref, "retries_exhausted")
            else:
                retry_at = self.quiet.not_before(message.channel, retry_at) or retry_at
                if self._move(
                    conn, message, TEMPORARY_FAILURE, now, result, next_attempt_at=retry_at
                ):
                    record_event(
                        conn,
                        announcements.TOPIC,
                        announcements.failed(
                            message._mapping,
                            now,
                            permanent=False,
                            attempt=attempt,
                            reason=result.reason or "temporary",
                            retry_at=retry_at,
                        ),
                    )
                return
        if result.outcome == PERMANENT:
            fallback = list(message.fallback_channels)
            if self._move(conn, message, PERMANENT_FAILURE, now, result, next_attempt_at=None):
                record_event(
                    conn,
                    announcements.TOPIC,
                    announcements.failed(
                        message._mapping,
                        now,
                        permanent=True,
                        attempt=attempt,
                        reason=result.reason or "permanent",
                        fallback_to=fallback[0] if fallback else None,
                    ),
                )
                if fallback:
                    self._fall_back(conn, message, fallback, now)
            return
        if self._move(conn, message, DELIVERED, now, result, next_attempt_at=None):
            record_event(conn, announcements.TOPIC, announcements.delivered(message._mapping, now))

    @staticmethod
    def _move(
        conn: Connection,
        message: Row,
        status: str,
        now: datetime,
        result: SendResult,
        **changes: Any,
    ) -> bool:
        if not check_transition(message.status, status):
            return False
        store.update_message(
            conn,
            message.id,
            status=status,
            updated_at=now,
            reason=result.reason,
            provider_ref=result.provider_ref or message.provider_ref,
            **changes,
        )
        store.add_status(conn, message.id, status, now, message.attempts, result.reason)
        return True

    def _fall_back(
        self, conn: Connection, message: Row, channels: list[str], now: datetime
    ) -> None:
        trigger = Trigger(message.trigger_event_id, message.trigger_type, message.citizen_id, {})
        rule = Rule(
            message.rule_id,
            message.trigger_type,
            message.template_id,
            (),
            (),
            {},
            False,
            True,
            False,
        )
        self._add(
            conn,
            self._message(
                trigger,
                rule,
                message.recipient_id,
                message.recipient_role,
                channels,
                message.template_id,
                message.template_version,
                message.language,
                message.subject,
                message.body,
                now,
                message.id,
            ),
            now,
            None,
        )

    def callback(self, provider: str, body: Mapping[str, Any]) -> dict:
        """A provider's delivery report for a message it took earlier."""
        with self.engine.begin() as conn:
            if body.get("provider_ref"):
                message = store.message_by_provider_ref(conn, provider, body["provider_ref"])
            else:
                message = store.message(conn, body["message_id"], for_update=True)
            if message is None or message.provider != provider:
                raise MessageNotFound()
            outcome = {
                DELIVERED: "delivered",
                TEMPORARY_FAILURE: TEMPORARY,
                PERMANENT_FAILURE: PERMANENT,
            }[body["status"]]
            self.record_outcome(
                conn,
                message,
                SendResult(outcome, message.provider_ref, body.get("reason")),
                self.clock(),
            )
            return views.message(
                store.message(conn, message.id),
                store.status_history(conn, [message.id])[message.id],
            )

    # History --------------------------------------------------------------------------------

    def my_messages(self, principal: Principal) -> list[dict]:
        touched(principal.subject)
        with self.engine.connect() as conn:
            return self._views(conn, store.messages_to(conn, principal.subject))

    def messages_about(self, citizen_id: str | None) -> list[dict]:
        if not citizen_id:
            raise CitizenRequired(field="citizen_id")
        touched(citizen_id)
        with self.engine.connect() as conn:
            return self._views(conn, store.messages_about(conn, citizen_id))

    def message(self, principal: Principal, message_id: str) -> dict:
        with self.engine.connect() as conn:
            row = store.message(conn, message_id)
            if row is None or (principal.kind == CITIZEN and row.recipient_id != principal.subject):
                raise MessageNotFound()  # not 403: do not confirm that it exists
            touched(row.citizen_id, *([row.recipient_id] if row.recipient_role != "staff" else []))
            return self._views(conn, [row])[0]

    @staticmethod
    def _views(conn: Connection, rows: list[Row]) -> list[dict]:
        history = store.status_history(conn, [row.id for row in rows])
        return [views.message(row, history[row.id]) for row in rows]

    # Templates ------------------------------------------------------------------------------

    def templates(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [
                self._template_view(conn, template_id, latest_only=True)
                for template_id in sorted(TEMPLATES)
            ]

    def template(self, template_id: str) -> dict:
        with self.engine.connect() as conn:
            return self._template_view(conn, template_id, latest_only=False)

    def _template_view(self, conn: Connection, template_id: str, latest_only: bool) -> dict:
        spec = _spec(template_id)
        versions = [
            {
                "version": 1,
                "texts": {"da": spec["da"], "en": spec["en"]},
                "created_at": None,
                "created_by": BUILT_IN,
            }
        ]
        versions += [
            {
                "version": row.version,
                "texts": row.texts,
                "created_at": row.created_at,
                "created_by": row.created_by,
            }
            for row in store.template_versions_of(conn, template_id)
        ]
        return {
            "id": template_id,
            "fields": spec["fields"],
            "required": spec["required"],
            "current_version": versions[-1]["version"],
            "versions": versions[-1:] if latest_only else versions,
        }

    def save_template_version(
        self, principal: Principal, template_id: str, texts: dict[str, dict[str, str]]
    ) -> dict:
        validate_template(_spec(template_id), texts)
        try:
            with self.engine.begin() as conn:
                latest = store.latest_template_version(conn, template_id)
                version = (latest.version if latest else 1) + 1
                store.add_template_version(
                    conn, template_id, version, texts, principal.subject, self.clock()
                )
        except IntegrityError:
            raise TemplateVersionConflict()
        return self.template(template_id)

    def preview(self, template_id: str, body: Mapping[str, Any]) -> dict:
        """The template rendered with the given values, in one language (nothing is sent)."""
        spec = _spec(template_id)
        unknown = sorted(set(body["values"]) - set(spec["fields"]))
        if unknown:
            raise TemplateInvalid(
                "Værdierne nævner flettefelter, skabelonen ikke kender.",
                "The values name fields the template does not know.",
                code="template.unknown_field",
                field="values",
                extra={"fields": unknown, "allowed": list(spec["fields"])},
            )
        if body.get("texts"):
            validate_template(spec, body["texts"])
            version, texts = None, body["texts"]
        else:
            with self.engine.connect() as conn:
                version, texts = self._template(conn, template_id)
        values = {k: _preview_value(k, v) for k, v in body["values"].items()}
        rendered = render(texts[body["language"]], values, body["language"])
        return {
            "template_id": template_id,
            "version": version,
            "language": body["language"],
            "subject": rendered.subject,
            "body": rendered.body,
        }

    def rules_view(self) -> list[dict]:
        return [views.rule(rule) for rule in self.rules]

    # Contacts and preferences ---------------------------------------------------------------

    def preferences(self, principal: Principal) -> dict:
        touched(principal.subject)
        with self.engine.connect() as conn:
            return views.contact(self.contacts.contact(conn, principal.subject))

    def set_preferences(self, principal: Principal, body: Mapping[str, Any]) -> dict:
        """The citizen's own: address, phone, language and channels (not the exemption)."""
        touched(principal.subject)
        with self.engine.begin() as conn:
            current = self.contacts.contact(conn, principal.subject)
            updated = replace(current, **_contact_fields(body))
            store.save_contact(conn, updated, self.clock())
            return views.contact(updated)

    def set_contact(self, person_id: str, body: Mapping[str, Any]) -> dict:
        """An administrator's (the simulated directory's) record, incl. the exemption."""
        touched(person_id)
        with self.engine.begin() as conn:
            current = self.contacts.contact(conn, person_id)
            updated = replace(
                current,
                **_contact_fields(body),
                digital_post_exempt=body.get("digital_post_exempt", current.digital_post_exempt),
            )
            store.save_contact(conn, updated, self.clock())
            return views.contact(updated)


def _contact_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {k: body[k] for k in ("email", "phone", "language") if k in body}
    if "channels" in body:
        fields["channels"] = tuple(body["channels"]) if body["channels"] is not None else None
    return fields


def _preview_value(name: str, value: Any) -> Any:
    """A preview's value as the service would compute it: dates from ISO 8601, an appointment
    time (ISO 8601 with offset) written out in Copenhagen time, a kind code in words."""
    if name in ("deadline", "expires_on"):
        return _instant(value)
    if name in TIME_FIELDS:
        return _moment(value) or value  # plain text stays as it is
    if name == "appointment_kind" and isinstance(value, str) and value in APPOINTMENT_KINDS:
        return APPOINTMENT_KINDS[value]
    return value


def _spec(template_id: str) -> dict[str, Any]:
    spec = TEMPLATES.get(template_id)
    if spec is None:
        raise TemplateNotFound()
    return spec
