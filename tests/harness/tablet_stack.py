"""The gateway with applications, consents and appointments in threads (the staff tablet and
the portal's browser tests, the seed tests): tablet_stack and portal_stack."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.applications.app import create_app as create_applications
from services.appointments.app import create_app as create_appointments
from services.consents.app import create_app as create_consents
from tests.harness.clock import local_midnight
from tests.harness.gateway_stack import ANNA, ServicesStack, Stack, build_services_stack

# -- the staff tablet (docs/tablet.md): the gateway with applications, consents and
# appointments, each a real service in a thread on SQLite files in tmp_path ------------------

STAFF = "hjemmehjaelp-erik"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
SERVICE_APPS = {
    "applications": create_applications,
    "consents": create_consents,
    "appointments": create_appointments,
}


@dataclass
class TabletStack(ServicesStack):
    visits: list | None = None


def booked_by_planner(site: Stack, body: dict):
    """What the planner (Karen) books under the home-care service she plans (defined here as
    infra/seed does): staff reach a citizen only by relation (docs/decisions/0016)."""
    from infra.seed.bookable import HOME_CARE, SCHEDULER, SERVICES

    browser = site.browser()
    site.login(browser, SCHEDULER)
    browser.headers.update(site.csrf(browser))
    defined = browser.put(
        f"{site.gateway}/api/appointments/services/{HOME_CARE}", json=SERVICES[HOME_CARE]
    )
    assert defined.status_code == 200, defined.text
    return browser.post(
        f"{site.gateway}/api/appointments/appointments",
        json={"service_id": HOME_CARE, **body},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


VISIT = timedelta(minutes=45)


def begun_slot(now: datetime, busy: list[tuple[datetime, datetime]]) -> datetime:
    """When a visit that has begun can start: ten minutes ago, or, when that would overlap one
    of Erik's seeded visits (09:00 and 13:00), just before that visit (still begun by now: the
    overlap means the seeded visit starts within 35 minutes). Never before today's midnight in
    Copenhagen (a visit today is what relates staff to the citizen). Reckoned in UTC: on a
    daylight-saving night, ten minutes before 03:05 is 01:55, not a 02:55 that never was."""
    midnight = local_midnight(now)
    starts = max(
        now.astimezone(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10), midnight
    )
    for begin, end in sorted(busy):
        if starts < end and begin < starts + VISIT:
            starts = begin.astimezone(UTC) - VISIT - timedelta(minutes=1)
    return starts.astimezone(COPENHAGEN)


def _seed_visits(site: Stack) -> list[dict]:
    """Two home visits today for Erik, booked by his planner."""
    today = datetime.now(COPENHAGEN).date()
    visits = []
    for hour, address, tasks in (
        (13, "Bredgade 12, 2. th., 5000 Odense C", ["Bad og påklædning", "Medicin"]),
        (
            9,
            "Vestergade 3, 5000 Odense C",
            ["Vurdering af hjemmehjælp", "Samtykke til indhentning af oplysninger"],
        ),
    ):
        starts = datetime(today.year, today.month, today.day, hour, tzinfo=COPENHAGEN)
        answer = booked_by_planner(
            site,
            {
                "citizen_id": ANNA,
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(minutes=45)).isoformat(),
                "kind": "home_visit",
                "address": address,
                "staff_ids": [STAFF],
                "tasks": tasks,
            },
        )
        assert answer.status_code == 201, answer.text
        visits.append(answer.json())
    return visits


def _share_visits(engines: dict) -> None:
    """What the workers would carry over the bus: the appointments' events reach the
    applications' and the consents' visit views (staff see a citizen only through a visit)."""
    from services.applications.handlers import on_appointment_event
    from services.consents.handlers import on_relation_event
    from tests.builders import outbox_events

    events = outbox_events(engines["appointments"])
    for engine, handle in (
        (engines["applications"], on_appointment_event),
        (engines["consents"], on_relation_event),
    ):
        with engine.begin() as conn:
            for event in events:
                handle(conn, event)


@pytest.fixture
def tablet_stack(tmp_path, monkeypatch) -> Iterator[TabletStack]:
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    for services in build_services_stack(tmp_path, SERVICE_APPS):
        site = TabletStack(**vars(services))
        assert site.engines is not None
        site.visits = _seed_visits(site)
        _share_visits(site.engines)
        yield site


# -- the citizen portal's consents and appointments screens (docs/portal.md) -----------------

SELF_BOOKABLE = "raadgivning-video"


def _seed_self_bookable_service(site: TabletStack) -> None:
    """A video counselling service citizens may book themselves, every day 09:00-15:00, put
    in through the service layer by a scheduler of its own."""
    from kit.auth import Principal
    from services.appointments.domain import BookingRules
    from services.appointments.services import Appointments

    assert site.engines is not None
    scheduler = Principal(
        subject="fixture-scheduler",
        kind="staff",
        channel="integration",
        roles=frozenset({"scheduler"}),
    )
    Appointments(site.engines["appointments"]).define_rules(
        scheduler,
        BookingRules(
            service_id=SELF_BOOKABLE,
            title="Rådgivning om hjælpemidler (video)",
            kind="video_visit",
            opening_hours={
                day: [("09:00", "15:00")]
                for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
            duration_minutes=30,
            buffer_minutes=0,
            horizon_days=30,
            citizen_cutoff_hours=24,
            staff_ids=("sagsbehandler-dorte",),
            self_bookable=True,
            tasks=("Tal om dit behov for hjælpemidler",),
        ),
    )


def _seed_consent(site: TabletStack) -> dict:
    """Anna's consent to a home care assessment, collected by Erik on his tablet."""
    browser = site.browser()
    site.login(browser, STAFF, channel="tablet")
    answer = browser.post(
        f"{site.gateway}/api/consents/consents",
        json={
            "citizen_id": ANNA,
            "purpose": "home_care_assessment",
            "case_ref": "ANS-2026-0042",
            "data_categories": ["health", "medication"],
            "sources": ["general_practitioner", "hospital"],
            "text_version": "2",
            "channel": "tablet",
            "device_id": "tablet-7",
        },
        headers=site.csrf(browser),
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def portal_stack(tablet_stack: TabletStack) -> TabletStack:
    """The tablet stack with a consent given for Anna and a self-bookable service."""
    _seed_self_bookable_service(tablet_stack)
    tablet_stack.consent = _seed_consent(tablet_stack)  # type: ignore[attr-defined]
    return tablet_stack
