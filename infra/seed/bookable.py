"""Seed: the municipality's bookable services, so citizens can book on a fresh start, and
home care, whose visits the planner books (not self-bookable).

Defined through the appointments API by the seed's machine client (scope
appointments:schedule); a service that already exists is left alone, so a scheduler's
changes survive the next start. Karen plans them all: staff reach a citizen's appointments
only by relation (docs/decisions/0016), and the planner's is the service she plans.
"""

from __future__ import annotations

from typing import Any

from infra.seed import SeedEnv, expect

ORDER = 20  # before seeds that book visits
SCHEDULER = "planlaegger-karen"  # the mock provider's scheduler: plans every seeded service
HOME_CARE = "hjemmehjaelp"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

SERVICES: dict[str, dict[str, Any]] = {
    "borgerservice-moede": {
        "scheduler_ids": [SCHEDULER],
        "title": "Møde i Borgerservice (pension, boligstøtte, sygesikring)",
        "kind": "office_meeting",
        "opening_hours": {
            **{day: [["09:00", "14:00"]] for day in WEEKDAYS},
            "thu": [["10:00", "17:00"]],
        },
        "duration_minutes": 30,
        "buffer_minutes": 0,
        "horizon_days": 30,
        "citizen_cutoff_hours": 2,
        "staff_ids": ["sagsbehandler-henrik"],
        "location": "Borgerservice, Rådhuspladsen 1",
        "tasks": ["Medbring gyldigt billed-id"],
    },
    "jobcenter-videosamtale": {
        "scheduler_ids": [SCHEDULER],
        "title": "Videosamtale med din rådgiver i Jobcenteret",
        "kind": "video_visit",
        "opening_hours": {day: [["09:00", "12:00"]] for day in ("mon", "tue", "wed", "thu")},
        "duration_minutes": 45,
        "buffer_minutes": 15,
        "horizon_days": 21,
        "citizen_cutoff_hours": 24,
        "staff_ids": ["socialraadgiver-ida"],
    },
    "visitation-hjemmehjaelp": {
        "scheduler_ids": [SCHEDULER],
        "title": "Visitationsbesøg: vurdering af behov for hjemmehjælp",
        "kind": "home_visit",
        "opening_hours": {"tue": [["09:00", "15:00"]], "thu": [["09:00", "15:00"]]},
        "duration_minutes": 60,
        "buffer_minutes": 30,
        "horizon_days": 45,
        "citizen_cutoff_hours": 48,
        "staff_ids": ["sagsbehandler-dorte"],
        "tasks": ["Gennemgå hverdagens opgaver med borgeren", "Vurder hjælpemidler"],
    },
    HOME_CARE: {
        "scheduler_ids": [SCHEDULER],
        "title": "Hjemmehjælp (besøg planlagt af kommunen)",
        "kind": "home_visit",
        "opening_hours": {
            day: [["06:00", "23:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
        "duration_minutes": 45,
        "buffer_minutes": 0,
        "self_bookable": False,
        "staff_ids": ["hjemmehjaelp-erik", "hjemmehjaelp-jonna"],
    },
}


def seed(env: SeedEnv) -> None:
    existing = expect(env.session(SCHEDULER).get(env.url("/api/appointments/services")))
    have = {s["service_id"] for s in existing.json()["services"]}
    missing = {k: v for k, v in SERVICES.items() if k not in have}
    if not missing:
        return
    machine = env.machine(["appointments:schedule"])
    for service_id, rules in missing.items():
        expect(machine.put(env.url(f"/api/appointments/services/{service_id}"), json=rules))
