"""Which staff member may see which citizen: access by relation, decided in one place. Pure.

Staff see a citizen only through a relation the service's own data (or its local views of
other services' events, kit.relations) proves at the moment of the request:

- a caseworker through a case assigned to them, or a case in their unit's caseload;
- home-care staff (and anyone with a visit) through a visit with the citizen within the visit
  window, and then only what the visit needs (`Access.full` is False);
- a scheduler through the services they plan (appointments: the service an appointment is
  booked under names its planners, as it names the staff who visit);
- anyone on the staff by break-glass: a stated reason, time-limited, read-only, audited with
  its reason, shown to the citizen and flagged to the auditor.

No relation, no access: the service answers 404, as if the data did not exist. Every decision
goes through `decide`, after the caller's attempt was recorded (kit.data_subjects), so refused
attempts are audited as well as granted ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from kit import data_subjects
from kit.auth import STAFF, Principal

CASEWORKER = "caseworker"
SCHEDULER = "scheduler"  # plans the visits and meetings of a unit's services
ADMIN = "admin"  # keeps units, caseloads and assignments
# Roles whose work takes them to the citizen (home, office meeting, video) and back.
VISITING_ROLES = frozenset({"homecare", "social_worker", "caseworker"})

# The basis of an access, as the audit trail records it.
ASSIGNMENT, CASELOAD, VISIT, BREAK_GLASS = "assignment", "caseload", "visit", "break_glass"
PLANNING = "planning"


@dataclass(frozen=True)
class Relations:
    """What a service knows, right now, of one staff member's relation to one citizen."""

    assigned: bool = False  # a case of the citizen is assigned to the staff member
    caseload: bool = False  # a case of the citizen is in the caseload of their unit
    visit: bool = False  # they have a visit with the citizen within the visit window
    plans: bool = False  # they plan a service the citizen is (or is being) booked under
    break_glass_reason: str | None = None  # the stated reason of a valid break-glass grant


@dataclass(frozen=True)
class Access:
    """A granted access: on what basis, how much, and whether the staff member may act."""

    basis: str
    full: bool  # everything the case holds; False: only what the visit needs
    may_act: bool  # change (fill in, handle the case); break-glass only reads
    reason: str | None = None


def decide(principal: Principal, relations: Relations) -> Access | None:
    """The strongest access the relations give this staff member, or None (answer 404)."""
    if principal.kind != STAFF:
        return None
    caseworker = CASEWORKER in principal.roles
    if caseworker and relations.assigned:
        return Access(ASSIGNMENT, full=True, may_act=True)
    if caseworker and relations.caseload:
        return Access(CASELOAD, full=True, may_act=True)
    if relations.plans and SCHEDULER in principal.roles:
        return Access(PLANNING, full=True, may_act=True)
    if relations.visit and VISITING_ROLES & principal.roles:
        return Access(VISIT, full=False, may_act=True)
    if relations.break_glass_reason:
        return Access(BREAK_GLASS, full=True, may_act=False, reason=relations.break_glass_reason)
    return None


def check(principal: Principal, citizen_id: str, relations: Relations) -> Access | None:
    """Record the attempt on the citizen's data, then decide; the basis goes to the audit."""
    data_subjects.touched(citizen_id)
    access = decide(principal, relations)
    if access is not None:
        data_subjects.used_basis(access.basis, access.reason)
    return access
