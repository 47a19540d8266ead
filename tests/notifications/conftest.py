"""Fixtures of the notifications tests: the service on each database, a settable clock,
simulated providers, and a way to deliver events as the consumer would."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from kit.config import Settings
from kit.events import Event
from kit.inbox import AlreadyHandled, handle_once
from kit.migrate import upgrade
from services.notifications.app import create_app
from services.notifications.handlers import GROUP, event_handler
from services.notifications.providers import SimulatedProvider, simulated_providers
from services.notifications.sender import Sender
from services.notifications.services import Notifications
from tests.builders import outbox_events
from tests.notifications.builders import T0, person
from tests.tokens import TokenIssuer


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class Caller:
    def __init__(self, client, token: str, subject: str) -> None:
        self.client = client
        self.id = subject
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs):
        return self.client.get("/api/notifications" + path, headers=self.headers, **kwargs)

    def post(self, path: str, body: dict | None = None):
        return self.client.post("/api/notifications" + path, json=body or {}, headers=self.headers)

    def put(self, path: str, body: dict | None = None):
        return self.client.put("/api/notifications" + path, json=body or {}, headers=self.headers)


@dataclass
class Service:
    app: object
    issuer: TokenIssuer
    clock: Clock
    providers: dict[str, SimulatedProvider] = field(default_factory=simulated_providers)

    @property
    def notifications(self) -> Notifications:
        return self.app.extensions["notifications"]  # type: ignore[attr-defined]

    @property
    def engine(self):
        return self.notifications.engine

    def deliver(self, *events: Event) -> None:
        """Hand events to the handler as the consumer does (inbox included)."""
        handle = handle_once(self.engine, GROUP, event_handler(self.notifications))
        for event in events:
            with contextlib.suppress(AlreadyHandled):
                handle(event)

    def sender(self, **kwargs) -> Sender:
        return Sender(self.notifications, self.providers, clock=self.clock, **kwargs)

    def send(self) -> int:
        return self.sender().run_once()

    def citizen(self, person_id: str | None = None) -> Caller:
        person_id = person_id or person()
        return Caller(
            self.app.test_client(),  # type: ignore[attr-defined]
            self.issuer.citizen(person_id, "0101901234"),
            person_id,
        )

    def staff(self, *roles: str) -> Caller:
        staff_id = person()
        return Caller(
            self.app.test_client(),  # type: ignore[attr-defined]
            self.issuer.staff(staff_id, list(roles)),
            staff_id,
        )

    def machine(self, *scopes: str) -> Caller:
        return Caller(
            self.app.test_client(),  # type: ignore[attr-defined]
            self.issuer.machine("sms-gateway", list(scopes)),
            "sms-gateway",
        )

    def contact(self, person_id: str, **fields) -> None:
        admin = self.staff("notifications_admin")
        response = admin.put(f"/contacts/{person_id}", fields)
        assert response.status_code == 200, response.json

    def messages(self, citizen_id: str) -> list[dict]:
        return self.notifications.messages_about(citizen_id)

    def events(self) -> list[Event]:
        return outbox_events(self.engine)

    def event_types(self, message_id: str) -> list[str]:
        return [e.type.split(".")[3] for e in self.events() if e.data["message_id"] == message_id]


def start_service(database_url: str, tmp_path) -> Service:
    upgrade("notifications", database_url)
    settings = Settings(
        service="notifications",
        database_url=database_url,
        embedded_bus_path=str(tmp_path / "bus.db"),
    )
    issuer, clock = TokenIssuer(), Clock()
    return Service(create_app(settings, verifier=issuer.verifier(), clock=clock), issuer, clock)


@pytest.fixture
def service(database_url, tmp_path):
    started = start_service(database_url, tmp_path)
    yield started
    started.app.extensions["runtime"].close()  # type: ignore[attr-defined]


@pytest.fixture
def sqlite_service(tmp_path):
    """The service on SQLite only, for the many small rule and delivery cases."""
    started = start_service(f"sqlite:///{tmp_path / 'notifications.db'}", tmp_path)
    yield started
    started.app.extensions["runtime"].close()  # type: ignore[attr-defined]
