"""infra/seed/organisation.py: `make run`'s units and caseloads, seeded twice as on every
start, give each caseworker the cases their unit handles (and only those)."""

from __future__ import annotations

import uuid

import pytest

from infra.seed import SeedEnv
from infra.seed.organisation import UNITS, seed
from tests.casework.site import AID_ANSWERS, DORTE, HENRIK, METTE
from tests.harness.gateway_stack import ANNA
from tests.harness.tablet_stack import tablet_stack  # noqa: F401 - the gateway with three services


@pytest.fixture
def env(tablet_stack) -> SeedEnv:  # noqa: F811
    return SeedEnv(gateway=tablet_stack.gateway, idp=tablet_stack.idp)


def test_the_seeded_units_route_each_case_to_its_caseworkers_and_a_second_run_adds_nothing(env):
    seed(env)
    seed(env)  # every start seeds again
    units = env.session(METTE).get(env.url("/api/applications/organisation/units")).json()
    assert {u["id"]: len(u["caseload"]) for u in units} == {
        unit_id: len(types) for unit_id, (_, _, types) in UNITS.items()
    }
    assert {u["id"]: u["members"] for u in units} == {
        unit_id: members for unit_id, (_, members, _) in UNITS.items()
    }

    anna = env.session(ANNA)
    created = anna.post(
        env.url("/api/applications"),
        json={"type": "hjaelpemidler", "answers": AID_ANSWERS},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    ).json()
    anna.post(env.url(f"/api/applications/{created['id']}/submit"))
    dorte = env.session(DORTE).get(env.url("/api/applications/queue")).json()
    henrik = env.session(HENRIK).get(env.url("/api/applications/queue")).json()
    assert [c["id"] for c in dorte["items"]] == [created["id"]]
    assert henrik["items"] == []
