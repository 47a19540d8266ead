"""Test data builders for the notifications service: the events it reacts to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kit.events import Actor, Event
from schemas.events import applications as app_ev
from schemas.events import consents as consent_ev

# A Tuesday at 10:00 in Copenhagen (09:00 UTC in November): SMS may go.
T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
CASEWORKER = Actor("sagsbehandler-" + uuid.uuid4().hex[:6], "staff", "integration")


def person() -> str:
    return str(uuid.uuid4())


class Case:
    """One application's events, about one citizen."""

    def __init__(self, citizen_id: str | None = None) -> None:
        self.application_id = str(uuid.uuid4())
        self.citizen_id = citizen_id or person()
        self.case_number = f"2026-{uuid.uuid4().int % 10**6:06d}"

    def event(self, event_type: str, actor: Actor | None = None, **data) -> Event:
        return Event(type=event_type, source="/services/applications",
                     subject=self.application_id,
                     actor=actor or Actor(self.citizen_id, "citizen", "portal"),
                     data={"application_id": self.application_id,
                           "citizen_id": self.citizen_id, "type_id": "hjaelpemidler", **data})

    def submitted(self) -> Event:
        return self.event(app_ev.SUBMITTED, case_number=self.case_number, title="Hjælpemidler",
                          submitted_at=T0.isoformat(), citizen_cpr="0101901234")

    def status_changed(self, to_state: str, notify: bool = True,
                       actor: Actor = CASEWORKER) -> Event:
        return self.event(app_ev.STATUS_CHANGED, actor, case_number=self.case_number,
                          from_state="under_review", to_state=to_state, notify_citizen=notify,
                          status_text={"da": "Hjælpemidlet er leveret.",
                                       "en": "The device has been delivered."})

    def information_requested(self) -> Event:
        return self.event(app_ev.INFORMATION_REQUESTED, CASEWORKER,
                          case_number=self.case_number, deadline="2026-11-17",
                          message="Send en lægeerklæring.")

    def decided(self, outcome: str = "granted") -> Event:
        return self.event(app_ev.DECIDED, CASEWORKER, case_number=self.case_number,
                          outcome=outcome, letter_document_id=str(uuid.uuid4()))

    def withdrawn(self) -> Event:
        return self.event(app_ev.WITHDRAWN, case_number=self.case_number, reason=None)


def consent_event(event_type: str, citizen_id: str, consent_id: str | None = None,
                  **data) -> Event:
    return Event(type=event_type, source="/services/consents", subject=citizen_id,
                 actor=Actor(citizen_id, "citizen", "portal"),
                 data={"consent_id": consent_id or str(uuid.uuid4()), "citizen_id": citizen_id,
                       **data})


def consent_given(citizen_id: str, expires_at: datetime, consent_id: str | None = None) -> Event:
    return consent_event(consent_ev.CONSENT_GIVEN, citizen_id, consent_id,
                         purpose="home_care_assessment", data_categories=["health"],
                         case_ref=None, legal_basis="§ 11 a", text_version="2",
                         given_at=T0.isoformat(), expires_at=expires_at.isoformat(),
                         given_by=citizen_id, channel="portal")


def consent_withdrawn(citizen_id: str, consent_id: str) -> Event:
    return consent_event(consent_ev.CONSENT_WITHDRAWN, citizen_id, consent_id,
                         withdrawn_at=T0.isoformat(), withdrawn_by=citizen_id)


def consent_expired(citizen_id: str, consent_id: str) -> Event:
    return consent_event(consent_ev.CONSENT_EXPIRED, citizen_id, consent_id,
                         expired_at=T0.isoformat())


def proxy_granted(citizen_id: str, agent_id: str, scopes=("messages.read",)) -> Event:
    return Event(type=consent_ev.PROXY_GRANTED, source="/services/consents", subject=citizen_id,
                 actor=Actor(citizen_id, "citizen", "portal"),
                 data={"proxy_id": str(uuid.uuid4()), "citizen_id": citizen_id,
                       "agent_id": agent_id, "kind": "power_of_attorney",
                       "scopes": list(scopes), "valid_from": (T0 - timedelta(days=1)).isoformat(),
                       "valid_until": (T0 + timedelta(days=365)).isoformat()})


def proxy_revoked(granted: Event) -> Event:
    return Event(type=consent_ev.PROXY_REVOKED, source="/services/consents",
                 subject=granted.subject, actor=granted.actor,
                 data={"proxy_id": granted.data["proxy_id"],
                       "citizen_id": granted.data["citizen_id"],
                       "agent_id": granted.data["agent_id"], "revoked_at": T0.isoformat(),
                       "revoked_by": granted.data["citizen_id"]})
