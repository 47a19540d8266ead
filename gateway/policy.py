"""Which kind of caller may reach which part of the API, in one place; deny by default.

This is the coarse gate at the door. The services decide the fine rules themselves (whose
application, which proxy, which role) on the internal token the gateway forwards.
"""

from __future__ import annotations

from kit.auth import CITIZEN, MACHINE, STAFF, Forbidden

# service -> kinds of caller allowed to reach it at all
SERVICE_CALLERS: dict[str, frozenset[str]] = {
    "applications": frozenset({CITIZEN, STAFF, MACHINE}),
    "consents": frozenset({CITIZEN, STAFF, MACHINE}),
    "appointments": frozenset({CITIZEN, STAFF, MACHINE}),
    "notifications": frozenset({CITIZEN, STAFF, MACHINE}),
    # Process insight: aggregates for analysts (role `analyst`), never citizens.
    "insight": frozenset({STAFF, MACHINE}),
}
AUDITOR_ROLE = "auditor"


def check_route(service: str, kind: str) -> None:
    allowed = SERVICE_CALLERS.get(service, frozenset())
    if kind not in allowed:
        raise Forbidden(
            detail_en=f"{kind} callers may not use {service}", code="gateway.route_forbidden"
        )


# Only these services receive the citizen's CPR number in the internal token (the
# applications service hands it to the case system and Mit Overblik); the rest work with the
# person UUID alone.
CPR_RECIPIENTS = frozenset({"applications"})
