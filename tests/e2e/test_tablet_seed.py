"""`make run` seeds today's route for the home-care staff (infra/seed/route.py), so the tablet
has visits at once; a second start books nothing twice."""

from __future__ import annotations

from datetime import datetime

from infra.seed import SeedEnv
from infra.seed import route as route_seed
from tests.harness.tablet_stack import (
    COPENHAGEN,
    tablet_stack,  # noqa: F401 - the gateway with three services
)

FIXED = ("07:30", "10:00", "14:30")


def test_the_seed_gives_erik_and_jonna_todays_visits_once(tablet_stack):  # noqa: F811
    env = SeedEnv(gateway=tablet_stack.gateway, idp=tablet_stack.idp)
    erik = env.session("hjemmehjaelp-erik", channel="tablet")
    before = erik.get(env.url("/api/appointments/route")).json()["visits"]

    route_seed.seed(env)
    route_seed.seed(env)  # the next start

    visits = erik.get(env.url("/api/appointments/route")).json()["visits"]
    seeded = [v for v in visits if v not in before and v["starts_at"][11:16] in FIXED]
    assert [v["citizen_name"] for v in seeded] == [
        "Anna Andersen",
        "Dagmar Dalgaard",
        "Egon Enevoldsen",
    ]
    # And one going on now, so a visit can be closed on the tablet at any hour.
    now = datetime.now(COPENHAGEN)
    assert any(
        datetime.fromisoformat(v["starts_at"]) <= now < datetime.fromisoformat(v["ends_at"])
        for v in visits
    )
    assert len(visits) <= len(before) + 4
    assert all(v["address"] and v["tasks"] and v["kind"] == "home_visit" for v in seeded)
    assert seeded[0]["starts_at"].startswith(f"{env.today.isoformat()}T07:30")
    jonna = env.session("hjemmehjaelp-jonna", channel="tablet")
    assert len(jonna.get(env.url("/api/appointments/route")).json()["visits"]) == 3
