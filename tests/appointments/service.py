"""Fixtures of the appointments tests: the service on each database (tests/harness/services.py)
with a settable clock at T0, callers, and booking rules offered by a scheduler."""

from __future__ import annotations

from kit.events import Event
from services.appointments.services import Config
from tests.appointments.builders import PLANNER, T0, cpr, person, rules_body
from tests.builders import outbox_events
from tests.harness.callers import Caller as HarnessCaller
from tests.harness.clock import SettableClock
from tests.harness.services import BuiltService, build_service, service_fixture

VIDEO_TEMPLATE = "https://video.test.kommune.dk/room/{room}"


class Caller(HarnessCaller):
    prefix = "/api/appointments"


class Service(BuiltService):
    clock: SettableClock

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
    return build_service(
        "appointments",
        database_url,
        tmp_path,
        Service,
        clock=SettableClock(T0),
        config=Config(video_url_template=VIDEO_TEMPLATE),
    )


service = service_fixture(
    "appointments",
    Service,
    clock=lambda: SettableClock(T0),
    config=Config(video_url_template=VIDEO_TEMPLATE),
)
