"""`make run` offers every role: a case-system client with client-credentials tokens, a
person for each staff role, and a seeded municipality (infra/seed/) with bookable services."""

from __future__ import annotations

import types
import uuid

import pytest
import requests

from gateway.config import GatewayConfig
from gateway.mock_idp import TEST_PEOPLE
from infra.seed import SeedEnv, run_all, seed_modules
from infra.seed.bookable import SERVICES
from kit.auth import ClaimMapping
from tests.harness.gateway_stack import ANNA
from tests.harness.tablet_stack import tablet_stack  # noqa: F401 - the gateway with three services

HJAELPEMIDLER = {
    "device_name": "Rollator",
    "application_kind": "new",
    "already_bought": False,
    "disability_description": "Jeg har svært ved at gå langt.",
    "condition_permanent": True,
    "purpose": "daily_life",
}


@pytest.fixture
def env(tablet_stack) -> SeedEnv:  # noqa: F811
    return SeedEnv(gateway=tablet_stack.gateway, idp=tablet_stack.idp)


def case_system_token(idp: str, secret: str = "sagssystem-hemmelig", **form) -> requests.Response:
    return requests.post(
        f"{idp}/oauth2/token",
        data={"grant_type": "client_credentials", **form},
        auth=("sagssystem", secret),
        timeout=5,
    )


def test_a_case_system_gets_a_token_from_the_mock_provider_and_pushes_a_status(env):
    anna = env.session(ANNA)
    created = anna.post(
        env.url("/api/applications"),
        json={"type": "hjaelpemidler", "answers": HJAELPEMIDLER},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    submitted = anna.post(
        env.url(f"/api/applications/{app_id}/submit"),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert submitted.json()["state"] == "submitted"

    answer = case_system_token(env.idp, scope="applications:case applications:read")
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "Bearer"
    case_system = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    found = requests.get(
        env.url("/api/applications"), params={"citizen_id": ANNA}, headers=case_system, timeout=5
    )
    assert [a["id"] for a in found.json()] == [app_id]
    pushed = requests.post(
        env.url(f"/api/applications/{app_id}/case-actions"),
        json={"action": "start_review"},
        headers=case_system,
        timeout=5,
    )
    assert pushed.status_code == 200, pushed.text
    assert anna.get(env.url(f"/api/applications/{app_id}")).json()["state"] == "under_review"


def test_the_mock_provider_refuses_a_wrong_secret_and_scopes_beyond_the_clients(env):
    wrong = case_system_token(env.idp, secret="gaet")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    greedy = case_system_token(env.idp, scope="applications:case appointments:schedule")
    assert greedy.status_code == 400 and greedy.json()["error"] == "invalid_scope"
    # Without the scope a machine is refused by the service, through the gateway.
    token = case_system_token(env.idp, scope="applications:read").json()["access_token"]
    refused = requests.post(
        env.url(f"/api/applications/{uuid.uuid4()}/case-actions"),
        json={"action": "start_review"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert refused.status_code == 403 and refused.json()["code"] == "auth.missing_scope"


def test_every_staff_role_the_platform_knows_has_a_test_person_who_can_log_in(env):
    roles_claim = ClaimMapping().roles
    staff = [p for p in TEST_PEOPLE if p.claims.get(roles_claim)]
    covered = {role for person in staff for role in person.claims[roles_claim]}
    assert covered == set(GatewayConfig().staff_roles)
    for person in staff:
        me = env.session(person.sub).get(env.url("/auth/session")).json()
        assert me["kind"] == "staff", person.sub
        assert me["roles"] == sorted(person.claims[roles_claim])


def test_the_seed_defines_bookable_services_once_and_a_citizen_can_book_one(env):
    assert "bookable" in [m.__name__.rsplit(".", 1)[-1] for m in seed_modules()]
    bookable = [m for m in seed_modules() if m.__name__.endswith(".bookable")]
    assert [r.ok for r in run_all(env, bookable)] == [True]

    scheduler = env.session("planlaegger-karen")
    listed = scheduler.get(env.url("/api/appointments/services")).json()["services"]
    assert set(SERVICES) <= {s["service_id"] for s in listed}
    # A scheduler's change survives the next start's seed.
    changed = {**SERVICES["borgerservice-moede"], "duration_minutes": 20}
    assert scheduler.put(env.url("/api/appointments/services/borgerservice-moede"), json=changed).ok
    assert [r.ok for r in run_all(env, bookable)] == [True]
    again = scheduler.get(env.url("/api/appointments/services")).json()["services"]
    assert (
        next(s for s in again if s["service_id"] == "borgerservice-moede")["duration_minutes"] == 20
    )

    anna = env.session(ANNA)
    slots = anna.get(env.url("/api/appointments/services/borgerservice-moede/slots")).json()[
        "slots"
    ]
    assert slots, "a seeded service offers free slots in its first week"
    booked = anna.post(
        env.url("/api/appointments/appointments"),
        json={"service_id": "borgerservice-moede", "starts_at": slots[-1]["starts_at"]},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert booked.status_code == 201, booked.text


def test_a_failing_seed_is_logged_and_the_next_one_still_runs(env, caplog):
    calls = []

    def broken(_env):
        raise RuntimeError("the service said no")

    failing = types.ModuleType("infra.seed.broken")
    failing.seed = broken  # type: ignore[attr-defined]
    working = types.ModuleType("infra.seed.working")
    working.seed = calls.append  # type: ignore[attr-defined]
    results = run_all(env, [failing, working])
    assert [(r.name, r.ok) for r in results] == [("broken", False), ("working", True)]
    assert calls == [env]
    assert "seed broken failed: RuntimeError: the service said no" in caplog.text
