"""Staff access by relation in consents and appointments, through the gateway with the mock
provider's people: a home-care service that Karen plans, visits she books, case assignments
as the applications service announces them, and what each citizen's access log then says."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
import requests

from kit.events import Actor, Event, decode_event
from schemas.events.applications import ASSIGNED
from services.appointments.app import create_app as create_appointments
from services.consents.app import create_app as create_consents
from tests.builders import outbox_events
from tests.harness.clock import begun_today
from tests.harness.gateway_stack import ANNA, ServicesStack, build_services_stack

KAREN, ERIK, JONNA = "planlaegger-karen", "hjemmehjaelp-erik", "hjemmehjaelp-jonna"
DORTE, HENRIK, FRIDA = "sagsbehandler-dorte", "sagsbehandler-henrik", "auditor-frida"
OTHER_PLANNER = "planlaegger-jobcenter"  # plans the job centre's meetings; no test login
HOME_CARE, JOB_CENTRE = "hjemmehjaelp", "jobcenter-samtale"
ALWAYS_OPEN = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


class Site:
    """People logged in through the gateway, and the facts a test arranges."""

    def __init__(self, stack: ServicesStack) -> None:
        self.stack = stack
        self._browsers: dict[str, requests.Session] = {}

    @property
    def engines(self) -> dict:
        assert self.stack.engines is not None
        return self.stack.engines

    def as_(self, person: str) -> requests.Session:
        if person not in self._browsers:
            browser = self.stack.browser()
            channel = "portal" if person[0].isdigit() else "tablet"
            self.stack.login(browser, person, channel=channel)
            browser.headers.update(self.stack.csrf(browser))
            self._browsers[person] = browser
        return self._browsers[person]

    def machine(self, scopes: str) -> requests.Session:
        token = requests.post(
            f"{self.stack.idp}/oauth2/token",
            data={"grant_type": "client_credentials", "scope": scopes},
            auth=("selvbetjening-seed", "seed-hemmelig"),
            timeout=10,
        ).json()["access_token"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def get(self, person: str, path: str, **params) -> requests.Response:
        return self.as_(person).get(self.stack.gateway + path, params=params or None)

    def post(self, person: str, path: str, body: dict | None = None) -> requests.Response:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        return self.as_(person).post(self.stack.gateway + path, json=body or {}, headers=headers)

    # -- facts --------------------------------------------------------------------------------

    def offer_services(self) -> None:
        """Home care, planned by Karen (its visits by Erik and Jonna), and the job centre's
        meetings, planned by another unit's planner (defined by the municipality's system)."""
        home_care = {
            "title": "Hjemmehjælp",
            "kind": "home_visit",
            "opening_hours": ALWAYS_OPEN,
            "duration_minutes": 45,
            "self_bookable": False,
            "staff_ids": [ERIK, JONNA],
            "scheduler_ids": [KAREN],
        }
        answer = self.as_(KAREN).put(
            f"{self.stack.gateway}/api/appointments/services/{HOME_CARE}", json=home_care
        )
        assert answer.status_code == 200, answer.text
        job_centre = {
            **home_care,
            "title": "Samtale i Jobcenteret",
            "kind": "office_meeting",
            "staff_ids": [HENRIK],
            "scheduler_ids": [OTHER_PLANNER],
        }
        answer = self.machine("appointments:schedule").put(
            f"{self.stack.gateway}/api/appointments/services/{JOB_CENTRE}", json=job_centre
        )
        assert answer.status_code == 200, answer.text

    def book(
        self,
        citizen: str = ANNA,
        staff_id: str = ERIK,
        starts_at: datetime | None = None,
        service_id: str = HOME_CARE,
        by: str = KAREN,
        note: str | None = None,
    ) -> dict:
        """A visit booked by its planner; its events reach the consents service's view."""
        starts = starts_at or begun_today()  # today in Copenhagen, also at 00:05
        body = {
            "citizen_id": citizen,
            "service_id": service_id,
            "starts_at": starts.isoformat(),
            "staff_ids": [staff_id],
            "address": "Vestergade 3, 5000 Odense C",
        }
        if note:
            body["note"] = note
        answer = self.post(by, "/api/appointments/appointments", body)
        assert answer.status_code == 201, answer.text
        self.share()
        return answer.json()

    def share(self, *extra: Event) -> None:
        """What the workers carry over the bus: appointments' and applications' events reach
        the other services' views of who is related to whom."""
        from services.appointments.handlers import on_relation_event as appointments_view
        from services.consents.handlers import on_relation_event as consents_view

        events = [*outbox_events(self.engines["appointments"]), *extra]
        for name, handle in (("consents", consents_view), ("appointments", appointments_view)):
            with self.engines[name].begin() as conn:
                for event in events:
                    handle(conn, event)

    def assign(self, staff_id: str, citizen: str = ANNA) -> None:
        """A case of the citizen assigned to the caseworker (the applications service's event)."""
        application_id = str(uuid.uuid4())
        event = Event(
            type=ASSIGNED,
            source="/services/applications",
            subject=application_id,
            actor=Actor(staff_id, "staff", "integration"),
            data={
                "application_id": application_id,
                "citizen_id": citizen,
                "type_id": "hjaelpemidler",
                "case_number": "ANS-2026-0001",
                "assignee_id": staff_id,
            },
        )
        self.share(decode_event(json.dumps(event.to_dict())))

    def access_log(self, citizen: str = ANNA) -> list[dict]:
        return self.get(citizen, "/api/me/access-log").json()

    def refusals_of(self, staff_id: str, citizen: str = ANNA) -> list[tuple[str, int]]:
        """The citizen's access log's rows of this staff member's refused requests."""
        return [
            (e["resource"].split("/")[2], e["status"])
            for e in self.access_log(citizen)
            if e["actor_id"] == staff_id and e["status"] >= 400
        ]


@pytest.fixture
def site(tmp_path, monkeypatch) -> Iterator[Site]:
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    factories = {"consents": create_consents, "appointments": create_appointments}
    for stack in build_services_stack(tmp_path, factories):
        arranged = Site(stack)
        arranged.offer_services()
        yield arranged
