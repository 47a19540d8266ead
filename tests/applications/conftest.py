"""An applications service on a real database, called through HTTP with real signed tokens."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kit.events import Actor, Event, decode_event
from schemas.events import consents as consent_events
from services.applications.catalogue import Catalogue
from services.applications.handlers import on_appointment_event, on_consent_event
from services.applications.sources import SimulatedIncomeSource
from tests.applications.builders import make_type
from tests.builders import make_visit_event, outbox_events
from tests.harness.callers import PDF, Caller
from tests.harness.services import build_service


class Platform:
    def __init__(self, app, engine, issuer, source):
        self.app = app
        self.engine = engine
        self.issuer = issuer
        self.source = source
        self.client = app.test_client()

    def citizen(self, assurance="Substantial") -> Caller:
        person = str(uuid.uuid4())
        return Caller(
            self.client, self.issuer.citizen(person, "0101011234", assurance=assurance), person
        )

    def staff(self, *roles) -> Caller:
        staff_id = "staff-" + uuid.uuid4().hex[:6]
        return Caller(self.client, self.issuer.staff(staff_id, list(roles)), staff_id)

    def case_system(self, scopes=("applications:case",)) -> Caller:
        return Caller(self.client, self.issuer.machine("fagsystem", list(scopes)), "fagsystem")

    def deliver(self, event_type: str, data: dict) -> Event:
        """A consents-service event arriving at the applications service's consumer."""
        event = Event(
            type=event_type,
            source="/services/consents",
            subject=data["citizen_id"],
            data=data,
            actor=Actor(data["citizen_id"], "citizen", "portal"),
        )
        with self.engine.begin() as conn:
            on_consent_event(conn, decode_event(json.dumps(event.to_dict())))
        return event

    def give_consent(
        self,
        citizen_id,
        case_ref=None,
        purpose="enkeltudgifter.trangsvurdering",
        expires_in_days=30,
    ) -> str:
        consent_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        self.deliver(
            consent_events.CONSENT_GIVEN,
            {
                "consent_id": consent_id,
                "citizen_id": citizen_id,
                "purpose": purpose,
                "data_categories": ["income"],
                "sources": ["eindkomst"],
                "recipients": [],
                "case_ref": case_ref,
                "legal_basis": "retssikkerhedsloven § 11 a",
                "text_version": "1",
                "given_at": now.isoformat(),
                "expires_at": (now + timedelta(days=expires_in_days)).isoformat(),
                "given_by": citizen_id,
                "channel": "portal",
            },
        )
        return consent_id

    def withdraw_consent(self, citizen_id, consent_id):
        self.deliver(
            consent_events.CONSENT_WITHDRAWN,
            {
                "consent_id": consent_id,
                "citizen_id": citizen_id,
                "withdrawn_at": datetime.now(UTC).isoformat(),
                "withdrawn_by": citizen_id,
            },
        )

    def grant_proxy(
        self,
        citizen_id,
        agent_id,
        scopes=("applications.read", "applications.write"),
        valid_for=timedelta(days=365),
    ) -> str:
        proxy_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        self.deliver(
            consent_events.PROXY_GRANTED,
            {
                "proxy_id": proxy_id,
                "citizen_id": citizen_id,
                "agent_id": agent_id,
                "kind": "power_of_attorney",
                "scopes": list(scopes),
                "valid_from": (now - timedelta(days=1)).isoformat(),
                "valid_until": (now + valid_for).isoformat(),
            },
        )
        return proxy_id

    def visit(self, staff: Caller, citizen_id: str) -> None:
        """A visit of the staff member to the citizen today (the appointments' event)."""
        with self.engine.begin() as conn:
            on_appointment_event(conn, make_visit_event(staff.subject, citizen_id))

    def events(self, application_id=None) -> list[Event]:
        return outbox_events(self.engine, application_id)


@pytest.fixture
def platform(database_url, tmp_path) -> Platform:
    source = SimulatedIncomeSource()
    built = build_service(
        "applications",
        database_url,
        tmp_path,
        catalogue=Catalogue({"testhjaelp": make_type()}),
        sources={"eindkomst": source},
    )
    yield Platform(built.app, built.engine, built.issuer, source)
    built.close()


def create(caller: Caller, answers=None, **extra):
    body = {"type": "testhjaelp", "answers": answers or {}, **extra}
    response = caller.post("/api/applications", body)
    assert response.status_code == 201, response.json
    return response


__all__ = ["PDF", "Caller"]  # still importable from here; they live in tests/harness/callers.py
