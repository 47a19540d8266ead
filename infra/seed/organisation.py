"""Seed: the municipality's units, who works in them, and which cases each handles.

Staff see a citizen only through a relation (docs/decisions/0016-staff-access-by-relation.md);
a caseworker's relation to a case is its unit's caseload. Two units:

- "Hjælpemidler og boligindretning": Dorte; aids and home adaptations;
- "Ydelser": Henrik; single grants and extra costs (monthly benefits).

Through the applications service's admin API as the admin (Mette) would do it. Idempotent:
units and memberships are PUTs, and a caseload entry that exists is not added twice.
"""

from __future__ import annotations

from infra.seed import SeedEnv, expect

ORDER = 20  # before seeds that create cases for the units to handle
ADMIN = "admin-mette"
UNITS = {
    "hjaelpemidler": (
        "Hjælpemidler og boligindretning",
        ["sagsbehandler-dorte"],
        ["hjaelpemidler", "boligindretning"],
    ),
    "ydelser": ("Ydelser", ["sagsbehandler-henrik"], ["enkeltudgifter", "merudgifter"]),
}
BASE = "/api/applications/organisation/units"


def seed(env: SeedEnv) -> None:
    admin = env.session(ADMIN)
    for unit_id, (name, members, types) in UNITS.items():
        url = f"{env.gateway}{BASE}/{unit_id}"
        unit = expect(admin.put(url, json={"name": name}, timeout=env.timeout_s)).json()
        for staff_id in members:
            if staff_id not in unit["members"]:
                expect(admin.put(f"{url}/members/{staff_id}", timeout=env.timeout_s))
        handled = {c["type_id"] for c in unit["caseload"]}
        for type_id in types:
            if type_id not in handled:
                expect(
                    admin.post(f"{url}/caseload", json={"type_id": type_id}, timeout=env.timeout_s)
                )
