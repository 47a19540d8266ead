"""Who may do what with an application. Pure: given the caller and the facts, yes or no.

A caller who may not read an application is told it does not exist (404), so ids cannot be
probed. Citizens act for themselves or, by a valid proxy (from the consents service's
events), for another. Staff act only through a relation (kit.policy): a caseworker through
an assigned case or the unit's caseload, visiting staff through a visit with the citizen
(and then only on the applications they co-serve, or the citizen's drafts they finish
together), anyone by break-glass (read only).
"""

from __future__ import annotations

from typing import Any

from kit.auth import CITIZEN, MACHINE, STAFF, Principal
from kit.policy import CASEWORKER, VISIT, VISITING_ROLES, Access, Relations

READ_SCOPE, DRAFT_SCOPE, CASE_SCOPE = "applications:read", "applications:draft", "applications:case"
PROXY_READ, PROXY_WRITE = "applications.read", "applications.write"
FULL, SUMMARY = "full", "summary"  # how much of an application a reader sees


def acts_for(
    principal: Principal, citizen_id: str, represented: dict[str, set[str]], scope: str
) -> bool:
    """A citizen for themselves, or for a principal whose valid proxy grants `scope`."""
    return principal.kind == CITIZEN and (
        principal.subject == citizen_id or scope in represented.get(citizen_id, set())
    )


def co_serves(principal: Principal, application: dict[str, Any]) -> bool:
    """The staff member started this application with the citizen (co-service)."""
    return principal.kind == STAFF and application["created_by"] == principal.subject


def read_level(
    principal: Principal,
    application: dict[str, Any],
    represented: dict[str, set[str]],
    access: Access | None,
) -> str | None:
    """FULL, SUMMARY (title and status, no answers or documents) or None (answer 404)."""
    if principal.kind == CITIZEN:
        return (
            FULL
            if acts_for(principal, application["citizen_id"], represented, PROXY_READ)
            else None
        )
    if principal.kind == MACHINE:
        return FULL if {READ_SCOPE, CASE_SCOPE} & principal.scopes else None
    if access is None:
        return None
    if access.basis == VISIT and not co_serves(principal, application):
        # A visit needs the case it co-serves, not the citizen's other cases; a draft the
        # citizen began is one they may finish together on the visit (issue 15).
        return FULL if application["state"] == "draft" else SUMMARY
    if application["state"] == "draft" and not co_serves(principal, application):
        return None  # a draft is the citizen's own until it is sent
    return FULL


def can_fill_in(
    principal: Principal,
    citizen_id: str,
    represented: dict[str, set[str]],
    relations: Relations,
    application: dict[str, Any] | None = None,
) -> bool:
    """Create, answer, attach, submit and withdraw: the citizen's own acts, which staff do
    with the citizen during a visit (co-service), on the applications they started."""
    if principal.kind == CITIZEN:
        return acts_for(principal, citizen_id, represented, PROXY_WRITE)
    if principal.kind == STAFF:
        visiting = relations.visit and bool(VISITING_ROLES & principal.roles)
        return visiting and (
            application is None
            or co_serves(principal, application)
            or application["state"] == "draft"  # the citizen's draft, finished together
        )
    return principal.kind == MACHINE and DRAFT_SCOPE in principal.scopes


def can_handle_case(principal: Principal, relations: Relations | None = None) -> bool:
    """Review, request information, decide, pay, close, reopen, notes, case documents:
    case systems, and caseworkers whose unit's caseload holds the case or who have it."""
    if principal.kind == STAFF:
        related = relations is not None and (relations.assigned or relations.caseload)
        return CASEWORKER in principal.roles and related
    return principal.kind == MACHINE and CASE_SCOPE in principal.scopes


def sees_internal_documents(principal: Principal, relations: Relations | None) -> bool:
    """Internal notes are for case handling only: never for a visit or a break-glass."""
    return can_handle_case(principal, relations)
