"""Every service, each on its own SQLite database, called with real signed tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from kit.config import Settings
from kit.migrate import upgrade
from services.applications.app import create_app as create_applications
from services.appointments.app import create_app as create_appointments
from services.consents.app import create_app as create_consents
from services.notifications.app import create_app as create_notifications
from tests.tokens import TokenIssuer

FACTORIES = {
    "applications": create_applications,
    "consents": create_consents,
    "appointments": create_appointments,
    "notifications": create_notifications,
}
# One route per service that takes a JSON body from a citizen, with a valid body.
JSON_ROUTES = {
    "applications": ("POST", "/api/applications", {"type": "enkeltudgifter", "answers": {}}),
    "consents": ("POST", "/api/consents/consents", {"purpose": "x"}),
    "appointments": ("POST", "/api/appointments/appointments", {"slot": "x"}),
    "notifications": ("PUT", "/api/notifications/me/preferences", {"language": "da"}),
}


@dataclass
class Service:
    name: str
    app: object
    issuer: TokenIssuer

    def citizen_headers(self, person_id: str | None = None) -> dict[str, str]:
        token = self.issuer.citizen(person_id or str(uuid.uuid4()), "0101801234")
        return {"Authorization": f"Bearer {token}"}


def start(name: str, tmp_path) -> Service:
    database_url = f"sqlite:///{tmp_path / f'{name}.db'}"
    upgrade(name, database_url)
    settings = Settings(
        service=name, database_url=database_url, embedded_bus_path=str(tmp_path / "bus.db")
    )
    issuer = TokenIssuer()
    return Service(name, FACTORIES[name](settings, verifier=issuer.verifier()), issuer)


@pytest.fixture(params=sorted(FACTORIES))
def any_service(request, tmp_path) -> Iterator[Service]:
    service = start(request.param, tmp_path)
    yield service
    service.app.extensions["runtime"].close()  # type: ignore[attr-defined]
