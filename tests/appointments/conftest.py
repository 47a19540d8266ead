"""Fixtures of the appointments tests: the service on each database, callers, a settable clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from kit.config import Settings
from kit.events import Event
from kit.migrate import upgrade
from services.appointments.app import create_app
from services.appointments.services import Config
from tests.appointments.builders import PLANNER, T0, cpr, person, rules_body
from tests.builders import outbox_events
from tests.tokens import TokenIssuer

VIDEO_TEMPLATE = "https://video.test.kommune.dk/room/{room}"


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: T0)

    def __call__(self) -> datetime:
        return self.now

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
        return self.client.get(
            "/api/appointments" + path, headers={**self.headers, **(headers or {})}
        )

    def post(self, path: str, body: dict | None = None, headers: dict | None = None):
        return self.client.post(
            "/api/appointments" + path, json=body or {}, headers={**self.headers, **(headers or {})}
        )

    def put(self, path: str, body: dict):
        return self.client.put("/api/appointments" + path, json=body, headers=self.headers)


@dataclass
class Service:
    app: object
    issuer: TokenIssuer
    clock: Clock

    @property
    def engine(self):
        return self.app.extensions["runtime"].engine  # type: ignore[attr-defined]

    @property
    def config(self) -> Config:
        return self.app.extensions["appointments"].config  # type: ignore[attr-defined]

    def citizen(self, person_id: str | None = None) -> Caller:
        person_id = person_id or person()
        return Caller(self.app.test_client(), self.issuer.citizen(person_id, cpr()), person_id)

    def staff(self, *roles: str, staff_id: str | None = None) -> Caller:
        """A staff member; a scheduler is the planner of the services the tests offer."""
        staff_id = staff_id or (PLANNER if roles == ("scheduler",) else "staff-" + person()[:8])
        return Caller(self.app.test_client(), self.issuer.staff(staff_id, list(roles)), staff_id)

    def book_for(self, staff_id: str, body: dict, headers: dict | None = None):
        """What the planner books for a staff member (a visit, a meeting), under a service of
        that staff member's that the planner plans: staff reach a citizen only by relation."""
        service_id = f"visits-{staff_id}"
        offered = self.staff("scheduler").get("/services").json["services"]
        if service_id not in {s["service_id"] for s in offered}:
            self.offer(service_id, staff_ids=[staff_id], self_bookable=False)
        return self.staff("scheduler").post(
            "/appointments", {**body, "service_id": service_id}, headers=headers
        )

    def offer(
        self, service_id: str = "visitation", staff_ids: list[str] | None = None, **overrides
    ) -> list[str]:
        """Define a service's booking rules as a scheduler; returns its staff ids."""
        staff_ids = staff_ids or ["nurse-" + person()[:6]]
        response = self.staff("scheduler").put(
            f"/services/{service_id}", rules_body(staff_ids, **overrides)
        )
        assert response.status_code == 200, response.json
        return staff_ids

    def events(self, appointment_id: str | None = None) -> list[Event]:
        return outbox_events(self.engine, appointment_id)

    def event_types(self, appointment_id: str | None = None) -> list[str]:
        return [e.type.split(".", 2)[2] for e in self.events(appointment_id)]


def start_service(database_url: str, tmp_path) -> Service:
    upgrade("appointments", database_url)
    settings = Settings(
        service="appointments",
        database_url=database_url,
        embedded_bus_path=str(tmp_path / "bus.db"),
    )
    issuer = TokenIssuer()
    clock = Clock()
    app = create_app(
        settings,
        verifier=issuer.verifier(),
        clock=clock,
        config=Config(video_url_template=VIDEO_TEMPLATE),
    )
    return Service(app, issuer, clock)


@pytest.fixture
def service(database_url, tmp_path):
    """The service on each database; call it through service.citizen() / .staff()."""
    started = start_service(database_url, tmp_path)
    yield started
    started.app.extensions["runtime"].close()  # type: ignore[attr-defined]
