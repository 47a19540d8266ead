"""Crafted logs for the insight analyses: a few applications whose answers are known."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kit.events import Actor, Event
from schemas.events import applications as app_events
from schemas.events import consents as consent_events
from schemas.events import notifications as message_events
from services.insight.activities import Occurrence, occurrence

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Story:
    """One application's life, told as real platform events (so the mapping is tested too)."""

    def __init__(self, type_id="enkeltudgifter", channel="portal", actor_type="citizen", day=0.0):
        self.application = str(uuid.uuid4())
        self.citizen = str(uuid.uuid4())
        self.type_id = type_id
        self.channel = channel
        self.actor_type = actor_type
        self.events: list[Event] = []
        self.at = START + timedelta(days=day)
        self._emit(app_events.CREATED, title="Enkeltudgifter", channel=channel)

    def _emit(self, event_type, after_days=0.0, actor=None, **data) -> Event:
        self.at += timedelta(days=after_days)
        actor = actor or Actor(
            self.citizen if self.actor_type == "citizen" else "staff-1",
            self.actor_type,
            self.channel,
            None if self.actor_type == "citizen" else self.citizen,
        )
        base = {
            "application_id": self.application,
            "citizen_id": self.citizen,
            "type_id": self.type_id,
        }
        if event_type.startswith("dk.selvbetjening.consent") or event_type.startswith(
            "dk.selvbetjening.notification"
        ):
            base = {"citizen_id": self.citizen}
        event = Event(
            type=event_type,
            source="/test",
            subject=self.application,
            data={**base, **data},
            actor=actor,
            time=self.at,
        )
        self.events.append(event)
        return event

    def answer(self, *fields, after_days=0.0):
        self._emit(app_events.UPDATED, after_days, changed_fields=list(fields), version=2)
        return self

    def submit(self, after_days=0.0, proxy=False):
        actor = None
        if proxy:
            actor = Actor("proxy-" + self.citizen[:4], "citizen", self.channel, self.citizen)
        self._emit(
            app_events.SUBMITTED,
            after_days,
            actor=actor,
            case_number="S-1",
            title="x",
            submitted_at=self.at.isoformat(),
        )
        return self.status("draft", "submitted")

    def status(self, from_state, to_state, after_days=0.0):
        self._emit(
            app_events.STATUS_CHANGED,
            after_days,
            actor=Actor("sagsbehandler", "staff", "portal"),
            case_number="S-1",
            from_state=from_state,
            to_state=to_state,
            notify_citizen=False,
        )
        return self

    def request_information(self, after_days=0.0):
        self._emit(
            app_events.INFORMATION_REQUESTED,
            after_days,
            actor=Actor("sagsbehandler", "staff", "portal"),
            case_number="S-1",
            deadline="2026-02-01",
            message="Send kontoudtog",
        )
        return self.status("under_review", "awaiting_citizen")

    def answer_request(self, after_days=0.0):
        return self.status("awaiting_citizen", "under_review", after_days)

    def decide(self, outcome="granted", after_days=0.0):
        self._emit(
            app_events.DECIDED,
            after_days,
            actor=Actor("sagsbehandler", "staff", "portal"),
            case_number="S-1",
            outcome=outcome,
            letter_document_id=str(uuid.uuid4()),
        )
        return self.status("under_review", "decided")

    def consent_and_fetch(self, wait_days=0.0, fetch_after_days=0.0):
        consent_id = str(uuid.uuid4())
        self._emit(
            consent_events.CONSENT_GIVEN,
            wait_days,
            consent_id=consent_id,
            purpose="enkeltudgifter.trangsvurdering",
            data_categories=["income"],
            sources=["eindkomst"],
            recipients=[],
            case_ref=self.application,
            legal_basis="retssikkerhedsloven § 11 a",
            text_version="1",
            given_at=self.at.isoformat(),
            expires_at=None,
            given_by=self.citizen,
            channel="portal",
        )
        self._emit(
            app_events.DATA_FETCHED,
            fetch_after_days,
            fetch_id="income",
            source="eindkomst",
            consent_id=consent_id,
        )
        return self

    def message(self, cause: Event, after_days=0.0):
        self._emit(
            message_events.MESSAGE_CREATED,
            after_days,
            actor=Actor.system("notifications"),
            message_id=str(uuid.uuid4()),
            recipient_id=self.citizen,
            recipient_role="citizen",
            channel="digital_post",
            template_id="receipt",
            status="created",
            at=self.at.isoformat(),
            rule_id="r",
            trigger_event_id=cause.id,
            trigger_type=cause.type,
            template_version=1,
            language="da",
        )
        return self

    def occurrences(self) -> list[Occurrence]:
        return [o for o in (occurrence(e) for e in self.events) if o is not None]


def occurrences_of(*stories: Story) -> list[Occurrence]:
    return sorted((o for s in stories for o in s.occurrences()), key=lambda o: o.time)
