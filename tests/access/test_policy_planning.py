"""The planner's relation in kit.policy: a scheduler who plans the service, nobody else."""

from __future__ import annotations

from kit.auth import STAFF, Principal
from kit.policy import PLANNING, Relations, decide


def staff(*roles: str) -> Principal:
    return Principal(subject="s-1", kind=STAFF, channel="portal", roles=frozenset(roles))


def test_a_scheduler_who_plans_the_service_may_act_on_it():
    access = decide(staff("scheduler"), Relations(plans=True))
    assert access is not None and (access.basis, access.full, access.may_act) == (
        PLANNING,
        True,
        True,
    )


def test_planning_is_no_relation_for_other_roles_nor_for_a_scheduler_of_another_service():
    assert decide(staff("homecare"), Relations(plans=True)) is None
    assert decide(staff("caseworker"), Relations(plans=True)) is None
    assert decide(staff("scheduler"), Relations()) is None
