"""Casework through the gateway: the gateway stack (tests/harness/gateway_stack.py) with the
mock provider's people, two units, and visits fed to the applications service's view as the
appointments service's events would."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from services.applications.handlers import on_appointment_event, on_consent_event
from tests.builders import make_consent_event, make_visit_event
from tests.harness.gateway_stack import ANNA, Stack

DORTE, HENRIK, ERIK, METTE, FRIDA = (
    "sagsbehandler-dorte",
    "sagsbehandler-henrik",
    "hjemmehjaelp-erik",
    "admin-mette",
    "auditor-frida",
)
AID_ANSWERS = {
    "device_name": "Rollator",
    "application_kind": "new",
    "already_bought": False,
    "disability_description": "Slidgigt i hofterne; jeg falder let.",
    "condition_permanent": True,
    "purpose": "daily_life",
}


class Casework:
    """People logged in through the gateway, and the facts a test arranges."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._browsers: dict[str, requests.Session] = {}

    def as_(self, person: str) -> requests.Session:
        if person not in self._browsers:
            browser = self.stack.browser()
            self.stack.login(browser, person)
            browser.headers.update(self.stack.csrf(browser))
            self._browsers[person] = browser
        return self._browsers[person]

    def get(self, person: str, path: str, **kwargs) -> requests.Response:
        return self.as_(person).get(self.stack.gateway + path, **kwargs)

    def post(self, person: str, path: str, body: dict | None = None) -> requests.Response:
        return self.as_(person).post(self.stack.gateway + path, json=body or {})

    def put(self, person: str, path: str, body: dict | None = None) -> requests.Response:
        return self.as_(person).put(self.stack.gateway + path, json=body or {})

    def submitted(self, citizen: str = ANNA, answers: dict | None = None) -> dict:
        """A citizen's application for an aid (hjælpemidler), sent."""
        created = self.post(
            citizen,
            "/api/applications",
            {"type": "hjaelpemidler", "answers": answers or AID_ANSWERS},
        )
        assert created.status_code == 201, created.text
        sent = self.post(citizen, f"/api/applications/{created.json()['id']}/submit")
        assert sent.status_code == 200, sent.text
        return sent.json()

    def visit(
        self,
        staff_id: str,
        citizen_id: str = ANNA,
        starts_at: datetime | None = None,
        cancelled: bool = False,
    ) -> None:
        """A visit as the appointments service announces it, handled by the view's consumer."""
        engine = self.stack.app.config["APPLICATIONS_ENGINE"]
        with engine.begin() as conn:
            on_appointment_event(conn, make_visit_event(staff_id, citizen_id, starts_at, cancelled))

    def consent(
        self, case_ref: str | None, purpose: str = "assistive_devices_application", citizen=ANNA
    ) -> str:
        """A consent the citizen gave, as the consents service announces it (its whole scope)."""
        event = make_consent_event(citizen, purpose, case_ref)
        engine = self.stack.app.config["APPLICATIONS_ENGINE"]
        with engine.begin() as conn:
            on_consent_event(conn, event)
        return event.data["consent_id"]

    def access_log(self, citizen: str = ANNA) -> list[dict]:
        return self.get(citizen, "/api/me/access-log").json()


@pytest.fixture
def casework(stack) -> Casework:  # stack: the gateway stack fixture
    """Two units: "Hjælpemidler" (Dorte) handles aids; "Ydelser" (Henrik) extra costs."""
    site = Casework(stack)
    for unit, name, member, type_id in (
        ("hjaelpemidler", "Hjælpemidler", DORTE, "hjaelpemidler"),
        ("ydelser", "Ydelser", HENRIK, "merudgifter"),
    ):
        assert site.put(METTE, f"/api/applications/organisation/units/{unit}", {"name": name}).ok
        assert site.put(METTE, f"/api/applications/organisation/units/{unit}/members/{member}").ok
        added = site.post(
            METTE, f"/api/applications/organisation/units/{unit}/caseload", {"type_id": type_id}
        )
        assert added.status_code == 200, added.text
    return site
