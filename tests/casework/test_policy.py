"""kit.policy and kit.relations: who on the staff sees a citizen, decided without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kit.auth import CITIZEN, STAFF, Principal
from kit.policy import ASSIGNMENT, BREAK_GLASS, CASELOAD, VISIT, Relations, decide
from kit.relations import VisitWindow


def staff(*roles: str) -> Principal:
    return Principal(subject="s-1", kind=STAFF, channel="workspace", roles=frozenset(roles))


def test_staff_without_any_relation_see_nothing():
    for roles in (("caseworker",), ("homecare",), ("caseworker", "admin"), ("auditor",)):
        assert decide(staff(*roles), Relations()) is None


def test_a_caseworker_sees_assigned_cases_and_the_units_caseload_in_full():
    assigned = decide(staff("caseworker"), Relations(assigned=True, visit=True))
    caseload = decide(staff("caseworker"), Relations(caseload=True))
    assert assigned is not None and (assigned.basis, assigned.full) == (ASSIGNMENT, True)
    assert caseload is not None and (caseload.basis, caseload.may_act) == (CASELOAD, True)


def test_caseload_and_assignment_open_nothing_to_home_care():
    assert decide(staff("homecare"), Relations(assigned=True, caseload=True)) is None


def test_a_visit_gives_home_care_only_what_the_visit_needs():
    access = decide(staff("homecare"), Relations(visit=True))
    assert access is not None
    assert (access.basis, access.full, access.may_act) == (VISIT, False, True)


def test_break_glass_reads_with_its_reason_and_never_acts():
    access = decide(staff("homecare"), Relations(break_glass_reason="Borgeren ringede"))
    assert access is not None
    assert (access.basis, access.may_act, access.reason) == (
        BREAK_GLASS,
        False,
        "Borgeren ringede",
    )


def test_citizens_are_never_decided_by_staff_relations():
    citizen = Principal(subject="c-1", kind=CITIZEN, channel="portal")
    assert decide(citizen, Relations(assigned=True, caseload=True, visit=True)) is None


T = datetime.fromisoformat


@pytest.mark.parametrize(
    "now, covered",
    [
        ("2026-11-28T00:30:00+01:00", True),  # the visit's local day, early
        ("2026-11-28T23:59:00+01:00", True),  # the visit's local day, late
        ("2026-11-27T23:59:00+01:00", False),  # the day before
        ("2026-11-29T00:00:00+01:00", False),  # the day after
    ],
)
def test_by_default_a_visit_relates_for_its_local_day(now, covered):
    start, end = T("2026-11-28T10:00:00+01:00"), T("2026-11-28T11:00:00+01:00")
    assert VisitWindow().covers(start, end, T(now).astimezone(UTC)) is covered


def test_a_visit_window_in_hours_reaches_around_the_visit():
    start, end = T("2026-11-28T10:00:00+00:00"), T("2026-11-28T11:00:00+00:00")
    window = VisitWindow(hours=2)
    assert window.covers(start, end, T("2026-11-28T08:00:00+00:00"))
    assert window.covers(start, end, T("2026-11-28T12:59:00+00:00"))
    assert not window.covers(start, end, T("2026-11-28T07:59:00+00:00"))
    assert not window.covers(start, end, T("2026-11-28T13:00:00+00:00"))
