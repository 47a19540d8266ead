"""Staff see and book a citizen's appointments only through a relation (kit.policy,
docs/decisions/0016): the planner of the service, the staff of the visit, home care with a
visit today, the caseworker of the citizen's case, or break-glass; everything else is 404,
and every look and every refusal is in the citizen's access log."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from tests.access.conftest import (
    DORTE,
    ERIK,
    HENRIK,
    HOME_CARE,
    JOB_CENTRE,
    JONNA,
    KAREN,
)
from tests.harness.clock import COPENHAGEN
from tests.harness.gateway_stack import ANNA, CARL

LIST = "/api/appointments/appointments"


def tomorrow() -> datetime:
    """10:00 tomorrow in Copenhagen: another local day than today's visits at any hour (24 hours
    on is still today early on the autumn night's 25-hour day)."""
    day = datetime.now(COPENHAGEN).date() + timedelta(days=1)
    return datetime.combine(day, time(10), COPENHAGEN)


def test_home_care_without_a_visit_today_finds_none_of_the_citizens_appointments(site):
    visit = site.book(ANNA, JONNA)  # Jonna's visit, not Erik's
    site.book(ANNA, ERIK, starts_at=datetime.now(UTC) - timedelta(days=2))  # not today

    listed = site.get(ERIK, LIST, citizen_id=ANNA)
    assert listed.status_code == 404
    assert site.get(ERIK, f"{LIST}/{visit['id']}").status_code == 404
    booked = site.post(
        ERIK,
        LIST,
        {
            "citizen_id": ANNA,
            "service_id": HOME_CARE,
            "starts_at": tomorrow().isoformat(),
            "address": "Vestergade 3, 5000 Odense C",
        },
    )
    assert booked.status_code == 404
    cancelled = site.post(ERIK, f"{LIST}/{visit['id']}/cancellation", {"reason": "syg"})
    assert cancelled.status_code == 404
    assert site.get(ANNA, f"{LIST}/{visit['id']}").json()["status"] == "booked"
    assert site.refusals_of(ERIK) == [("appointments", 404)] * 4


def test_home_care_with_a_visit_today_sees_what_the_visit_needs_and_books_the_next(site):
    site.book(ANNA, ERIK)
    theirs = site.book(ANNA, JONNA, tomorrow(), note="Nøgle i postkassen; hunden bider")

    listed = site.get(ERIK, LIST, citizen_id=ANNA)
    assert listed.status_code == 200, listed.text
    by_id = {a["id"]: a for a in listed.json()["appointments"]}
    # Another staff member's visit: when and what, not their note or its history.
    assert by_id[theirs["id"]]["starts_at"] and "note" not in by_id[theirs["id"]]
    shown = site.get(ERIK, f"{LIST}/{theirs['id']}")
    assert shown.status_code == 200 and "note" not in shown.json()
    assert "history" not in shown.json()

    # The next visit is booked together with the citizen, on the visit.
    booked = site.post(
        ERIK,
        LIST,
        {
            "citizen_id": ANNA,
            "service_id": HOME_CARE,
            "starts_at": tomorrow().isoformat(),
            "address": "Vestergade 3, 5000 Odense C",
        },
    )
    assert booked.status_code == 201, booked.text
    # But not another staff member's visit to cancel: seen, not his to change.
    cancelled = site.post(ERIK, f"{LIST}/{theirs['id']}/cancellation", {"reason": "flyttes"})
    assert cancelled.status_code == 403
    assert cancelled.json()["code"] == "appointment.read_only"
    # Nor another citizen's appointments.
    assert site.get(ERIK, LIST, citizen_id=CARL).status_code == 404

    seen = {(e["actor_id"], e["basis"], e["status"]) for e in site.access_log()}
    assert (ERIK, "visit", 200) in seen and (ERIK, "visit", 403) in seen
    assert ("appointments", 404) in site.refusals_of(ERIK, CARL)


def test_a_scheduler_plans_only_the_services_of_their_unit(site):
    visit = site.book(ANNA, ERIK, tomorrow())  # Karen plans home care
    listed = site.get(KAREN, LIST, citizen_id=ANNA)
    assert [a["id"] for a in listed.json()["appointments"]] == [visit["id"]]
    moved = site.post(
        KAREN,
        f"{LIST}/{visit['id']}/move",
        {"starts_at": (tomorrow() + timedelta(hours=2)).isoformat()},
    )
    assert moved.status_code == 200, moved.text

    # The job centre is another unit's: Karen books nothing there and sees none of it.
    booked = site.post(
        KAREN,
        LIST,
        {"citizen_id": CARL, "service_id": JOB_CENTRE, "starts_at": tomorrow().isoformat()},
    )
    assert booked.status_code == 404
    assert site.get(KAREN, LIST, citizen_id=CARL).status_code == 404
    # Nor can she make it hers by changing its rules.
    taken = site.as_(KAREN).put(
        f"{site.stack.gateway}/api/appointments/services/{JOB_CENTRE}",
        json={
            "title": "Mine nu",
            "kind": "office_meeting",
            "opening_hours": {"mon": [["08:00", "09:00"]]},
            "duration_minutes": 30,
            "staff_ids": [HENRIK],
            "scheduler_ids": [KAREN],
        },
    )
    assert taken.status_code == 404
    assert site.refusals_of(KAREN, CARL) == [("appointments", 404)] * 2


def test_a_caseworker_sees_the_appointments_of_citizens_whose_case_they_handle(site):
    visit = site.book(ANNA, ERIK, tomorrow())
    assert site.get(DORTE, LIST, citizen_id=ANNA).status_code == 404  # no case of hers
    assert site.get(DORTE, f"{LIST}/{visit['id']}").status_code == 404

    site.assign(DORTE, ANNA)
    listed = site.get(DORTE, LIST, citizen_id=ANNA)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()["appointments"]] == [
        visit["id"]
    ]
    meeting = site.post(
        DORTE,
        LIST,
        {
            "citizen_id": ANNA,
            "kind": "office_meeting",
            "starts_at": tomorrow().isoformat(),
            "ends_at": (tomorrow() + timedelta(minutes=30)).isoformat(),
            "staff_ids": [DORTE],
        },
    )
    assert meeting.status_code == 201, meeting.text
    # Henrik, of another unit, with no case of hers: nothing.
    assert site.get(HENRIK, LIST, citizen_id=ANNA).status_code == 404
    basis = {(e["actor_id"], e["basis"]) for e in site.access_log() if e["status"] == 200}
    assert (DORTE, "assignment") in basis
    assert site.refusals_of(HENRIK) == [("appointments", 404)]


def test_break_glass_opens_the_appointments_read_only_with_a_reason_shown_to_the_citizen(site):
    visit = site.book(ANNA, ERIK, tomorrow())
    glass = "/api/appointments/break-glass"

    no_reason = site.post(HENRIK, glass, {"citizen_id": ANNA, "reason": "hurtigt"})
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "break_glass.reason_required"
    assert site.get(HENRIK, LIST, citizen_id=ANNA).status_code == 404

    reason = "Borgeren ringede forvirret; hendes planlægger er syg."
    opened = site.post(HENRIK, glass, {"citizen_id": ANNA, "reason": reason})
    assert opened.status_code == 200, opened.text
    assert opened.json()["expires_at"]
    listed = site.get(HENRIK, LIST, citizen_id=ANNA)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()["appointments"]] == [
        visit["id"]
    ]
    # Read only.
    cancelled = site.post(HENRIK, f"{LIST}/{visit['id']}/cancellation", {"reason": "aflyst"})
    assert cancelled.status_code == 403
    # Only for that citizen.
    assert site.get(HENRIK, LIST, citizen_id=CARL).status_code == 404

    rows = [e for e in site.access_log() if e["actor_id"] == HENRIK and e["status"] == 200]
    assert rows and {(e["basis"], e["reason"]) for e in rows} == {("break_glass", reason)}
    flagged = site.get("auditor-frida", "/api/audit", flagged="break_glass").json()
    assert {(e["citizen_id"], e["actor_id"], e["reason"]) for e in flagged} == {
        (ANNA, HENRIK, reason)
    }
    assert ("appointments", 404) in site.refusals_of(HENRIK)


def test_the_staff_of_a_visit_see_it_and_record_it_on_any_day(site):
    later = site.book(ANNA, ERIK, tomorrow())
    shown = site.get(ERIK, f"{LIST}/{later['id']}")
    assert shown.status_code == 200 and shown.json()["history"]
    route = site.get(ERIK, "/api/appointments/route", date=later["starts_at"][:10]).json()
    assert [v["appointment_id"] for v in route["visits"]] == [later["id"]]


def test_break_glass_ends_when_its_time_is_up(site):
    from sqlalchemy import update

    from services.appointments.store import break_glass_grants

    site.book(ANNA, ERIK, tomorrow())
    reason = "Borgeren ringede; planlæggeren er syg i dag."
    assert site.post(
        HENRIK, "/api/appointments/break-glass", {"citizen_id": ANNA, "reason": reason}
    ).ok
    assert site.get(HENRIK, LIST, citizen_id=ANNA).status_code == 200
    with site.engines["appointments"].begin() as conn:
        conn.execute(update(break_glass_grants).values(expires_at=datetime.now(UTC)))
    assert site.get(HENRIK, LIST, citizen_id=ANNA).status_code == 404
