"""Who may do what with an application. Pure: given the caller and the facts, yes or no.

A caller who may not read an application is told it does not exist (404), so ids cannot be
probed. Proxies (power of attorney, guardianship) come from the consents service's events.
"""

from __future__ import annotations

from typing import Any

from kit.auth import CITIZEN, MACHINE, STAFF, Principal

CASEWORKER = "caseworker"
# Staff who may start and fill in an application together with the citizen (co-service).
CO_SERVICE_ROLES = frozenset({"caseworker", "social_worker", "homecare"})
READ_SCOPE, DRAFT_SCOPE, CASE_SCOPE = "applications:read", "applications:draft", "applications:case"
PROXY_READ, PROXY_WRITE = "applications.read", "applications.write"


def acts_for(
    principal: Principal, citizen_id: str, represented: dict[str, set[str]], scope: str
) -> bool:
    """A citizen for themselves, or for a principal whose valid proxy grants `scope`."""
    return principal.kind == CITIZEN and (
        principal.subject == citizen_id or scope in represented.get(citizen_id, set())
    )


def can_read(
    principal: Principal, application: dict[str, Any], represented: dict[str, set[str]]
) -> bool:
    if principal.kind == CITIZEN:
        return acts_for(principal, application["citizen_id"], represented, PROXY_READ)
    if principal.kind == STAFF:
        return bool(CO_SERVICE_ROLES & principal.roles)
    return principal.kind == MACHINE and bool({READ_SCOPE, CASE_SCOPE} & principal.scopes)


def can_fill_in(principal: Principal, citizen_id: str, represented: dict[str, set[str]]) -> bool:
    """Create, answer, attach, submit and withdraw: the citizen's own acts."""
    if principal.kind == CITIZEN:
        return acts_for(principal, citizen_id, represented, PROXY_WRITE)
    if principal.kind == STAFF:
        return bool(CO_SERVICE_ROLES & principal.roles)
    return principal.kind == MACHINE and DRAFT_SCOPE in principal.scopes


def can_handle_case(principal: Principal) -> bool:
    """Review, request information, decide, pay, close, add case documents."""
    if principal.kind == STAFF:
        return CASEWORKER in principal.roles
    return principal.kind == MACHINE and CASE_SCOPE in principal.scopes


def sees_internal_documents(principal: Principal) -> bool:
    """Internal notes are for case handling only: caseworkers and case systems."""
    return can_handle_case(principal)
