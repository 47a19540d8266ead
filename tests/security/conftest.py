"""Every service, each on its own SQLite database (tests/harness/services.py), called with
real signed tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.harness.services import FACTORIES, BuiltService, build_service, sqlite_url

__all__ = ["FACTORIES", "JSON_ROUTES", "Service", "start"]

# One route per service that takes a JSON body from a citizen, with a valid body.
JSON_ROUTES = {
    "applications": ("POST", "/api/applications", {"type": "enkeltudgifter", "answers": {}}),
    "consents": ("POST", "/api/consents/consents", {"purpose": "x"}),
    "appointments": ("POST", "/api/appointments/appointments", {"slot": "x"}),
    "notifications": ("PUT", "/api/notifications/me/preferences", {"language": "da"}),
}


class Service(BuiltService):
    def citizen_headers(self, person_id: str | None = None) -> dict[str, str]:
        token = self.issuer.citizen(person_id or str(uuid.uuid4()), "0101801234")
        return {"Authorization": f"Bearer {token}"}


def start(name: str, tmp_path) -> Service:
    return build_service(name, sqlite_url(tmp_path, name), tmp_path, Service)


@pytest.fixture(params=sorted(FACTORIES))
def any_service(request, tmp_path) -> Iterator[Service]:
    service = start(request.param, tmp_path)
    yield service
    service.close()
