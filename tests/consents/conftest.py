"""Fixtures of the consents tests: the service app on each database, callers, a settable clock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from kit.config import Settings
from kit.events import Actor, Event, decode_event
from kit.migrate import upgrade
from schemas.events.applications import ASSIGNED
from services.consents.app import create_app
from services.consents.handlers import on_relation_event
from tests.builders import make_visit_event, outbox_events
from tests.consents.builders import cpr, person
from tests.tokens import TokenIssuer


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    real: bool = False  # follow the wall clock (for races between threads)

    def __call__(self) -> datetime:
        return datetime.now(UTC) if self.real else self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class Caller:
    """One caller with a real signed token, speaking JSON to the app."""

    def __init__(self, client, token: str, subject: str) -> None:
        self.client = client
        self.id = subject
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, headers: dict | None = None):
        return self.client.get("/api/consents" + path, headers={**self.headers, **(headers or {})})

    def post(self, path: str, body: dict | None = None, headers: dict | None = None):
        return self.client.post(
            "/api/consents" + path, json=body or {}, headers={**self.headers, **(headers or {})}
        )


@dataclass
class Service:
    app: object
    issuer: TokenIssuer
    clock: Clock

    @property
    def engine(self):
        return self.app.extensions["runtime"].engine  # type: ignore[attr-defined]

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
    upgrade("consents", database_url)
    settings = Settings(
        service="consents", database_url=database_url, embedded_bus_path=str(tmp_path / "bus.db")
    )
    issuer = TokenIssuer()
    clock = Clock()
    return Service(create_app(settings, verifier=issuer.verifier(), clock=clock), issuer, clock)


@pytest.fixture
def service(database_url, tmp_path):
    """The service on each database; call it through service.citizen() / .staff() / .machine()."""
    started = start_service(database_url, tmp_path)
    yield started
    started.app.extensions["runtime"].close()  # type: ignore[attr-defined]
