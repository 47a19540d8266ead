"""Fixtures of the consents tests: the service on each database (tests/harness/services.py)
with a settable clock, and what a test arranges: visits, assignments, callers."""

from __future__ import annotations

import json

from kit.events import Actor, Event, decode_event
from schemas.events.applications import ASSIGNED
from services.consents.handlers import on_relation_event
from tests.builders import make_visit_event, outbox_events
from tests.consents.builders import cpr, person
from tests.harness.callers import Caller as HarnessCaller
from tests.harness.clock import SettableClock
from tests.harness.services import BuiltService, build_service, service_fixture


class Caller(HarnessCaller):
    prefix = "/api/consents"


class Service(BuiltService):
    clock: SettableClock

    def citizen(self, person_id: str | None = None, **claims) -> Caller:
        person_id = person_id or person()
        return Caller(
            self.app.test_client(), self.issuer.citizen(person_id, cpr(), **claims), person_id
        )

    def staff(self, *roles: str) -> Caller:
        staff_id = person()
        return Caller(self.app.test_client(), self.issuer.staff(staff_id, list(roles)), staff_id)

    def visit(self, staff: Caller, citizen: Caller) -> None:
        """A visit of the staff member to the citizen now (as the appointments announce it):
        staff reach a citizen's consents only through a relation."""
        with self.engine.begin() as conn:
            on_relation_event(conn, make_visit_event(staff.id, citizen.id, self.clock.now))

    def assign(self, staff: Caller, citizen: Caller) -> None:
        """A case of the citizen given to the staff member (as the applications announce it)."""
        application_id = person()
        event = Event(
            type=ASSIGNED,
            source="/services/applications",
            subject=application_id,
            actor=Actor(staff.id, "staff", "portal"),
            data={
                "application_id": application_id,
                "citizen_id": citizen.id,
                "type_id": "hjaelpemidler",
                "case_number": "ANS-2026-000001",
                "assignee_id": staff.id,
            },
        )
        with self.engine.begin() as conn:
            on_relation_event(conn, decode_event(json.dumps(event.to_dict())))

    def machine(self, *scopes: str) -> Caller:
        client_id = "case-system-" + person()[:6]
        return Caller(
            self.app.test_client(), self.issuer.machine(client_id, list(scopes)), client_id
        )

    def events(self, citizen_id: str | None = None) -> list[Event]:
        """The events recorded in the outbox (for the citizen), oldest first."""
        return outbox_events(self.engine, citizen_id)

    def event_types(self, citizen_id: str | None = None) -> list[str]:
        return [e.type.split(".", 2)[2] for e in self.events(citizen_id)]


def start_service(database_url: str, tmp_path) -> Service:
    return build_service("consents", database_url, tmp_path, Service, clock=SettableClock())


service = service_fixture("consents", Service, clock=SettableClock)
