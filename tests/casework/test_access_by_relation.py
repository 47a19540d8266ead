"""Staff see a citizen only through a relation (kit.policy), through the gateway with real
tokens: a caseworker through the unit's caseload or an assignment, home care through a visit
today and only what it needs, anyone else by break-glass with a reason; everything else 404.
The citizen sees who looked, and on what basis; the auditor sees every break-glass."""

from __future__ import annotations

from datetime import UTC, datetime

from services.applications.casework_store import break_glass
from tests.casework.site import DORTE, ERIK, FRIDA, HENRIK
from tests.harness.clock import other_day
from tests.harness.gateway_stack import ANNA


def test_home_care_without_a_visit_today_finds_nothing_of_the_citizen(casework):
    case = casework.submitted()
    # Another day's (24 hours ago is still today late on the autumn night's 25-hour day).
    casework.visit(ERIK, starts_at=other_day(days=-2))
    casework.visit(ERIK, cancelled=True)  # today's, cancelled

    listed = casework.get(ERIK, "/api/applications", params={"citizen_id": ANNA})
    assert listed.status_code == 404 and listed.json()["code"] == "application.not_found"
    assert casework.get(ERIK, f"/api/applications/{case['id']}").status_code == 404
    started = casework.post(
        ERIK, "/api/applications", {"type": "hjaelpemidler", "citizen_id": ANNA}
    )
    assert started.status_code == 404


def test_home_care_with_a_visit_today_sees_only_what_the_visit_needs(casework):
    case = casework.submitted()
    casework.visit(ERIK)

    # The citizen's other cases: that they exist and how they stand, never their answers.
    listed = casework.get(ERIK, "/api/applications", params={"citizen_id": ANNA}).json()
    assert [(a["id"], a["state"]) for a in listed] == [(case["id"], "submitted")]
    assert "answers" not in listed[0]
    for path in ("", "/checks", "/history", "/documents"):
        assert casework.get(ERIK, f"/api/applications/{case['id']}{path}").status_code == 404

    # The application they start together is theirs to fill in, with everything in it.
    started = casework.post(
        ERIK, "/api/applications", {"type": "hjaelpemidler", "citizen_id": ANNA}
    )
    assert started.status_code == 201, started.text
    draft = started.json()
    saved = casework.as_(ERIK).patch(
        casework.stack.gateway + f"/api/applications/{draft['id']}/answers",
        json={"answers": {"device_name": "Badebræt"}},
        headers={"If-Match": started.headers["ETag"]},
    )
    assert saved.status_code == 200 and saved.json()["answers"]["device_name"] == "Badebræt"
    # No case handling on a visit.
    refused = casework.post(
        ERIK, f"/api/applications/{case['id']}/case-actions", {"action": "start_review"}
    )
    assert refused.status_code == 403


def test_a_caseworker_sees_the_units_caseload_and_one_of_another_unit_sees_nothing(casework):
    case = casework.submitted()

    assert casework.get(DORTE, f"/api/applications/{case['id']}").status_code == 200
    queue = casework.get(DORTE, "/api/applications/queue").json()
    assert [c["id"] for c in queue["items"]] == [case["id"]]

    # Henrik works in another unit: no such case, not in his queue, no action on it.
    assert casework.get(HENRIK, f"/api/applications/{case['id']}").status_code == 404
    assert casework.get(HENRIK, "/api/applications/queue").json()["items"] == []
    acted = casework.post(
        HENRIK, f"/api/applications/{case['id']}/case-actions", {"action": "start_review"}
    )
    assert acted.status_code == 404
    assert casework.get(HENRIK, "/api/applications", params={"citizen_id": ANNA}).status_code == 404

    # Assigned to Henrik, the case is his to handle.
    given = casework.post(
        DORTE,
        f"/api/applications/{case['id']}/case-actions",
        {"action": "assign", "assignee_id": HENRIK},
    )
    assert given.status_code == 200, given.text
    started = casework.post(
        HENRIK, f"/api/applications/{case['id']}/case-actions", {"action": "start_review"}
    )
    assert started.status_code == 200 and started.json()["state"] == "under_review"


def test_break_glass_needs_a_reason_and_is_shown_to_the_citizen_and_the_auditor(casework):
    case = casework.submitted()
    number = case["case_number"]

    no_reason = casework.post(HENRIK, "/api/applications/break-glass", {"case_number": number})
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "application.break_glass_reason_required"
    assert casework.get(HENRIK, f"/api/applications/{case['id']}").status_code == 404

    reason = "Borgeren ringede; Dorte er syg og sagen haster."
    opened = casework.post(
        HENRIK, "/api/applications/break-glass", {"case_number": number, "reason": reason}
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["application_id"] == case["id"]
    seen = casework.get(HENRIK, f"/api/applications/{case['id']}")
    assert seen.status_code == 200 and seen.json()["answers"]["device_name"] == "Rollator"
    # Read only: break-glass is for looking, not for handling.
    acted = casework.post(
        HENRIK, f"/api/applications/{case['id']}/case-actions", {"action": "start_review"}
    )
    assert acted.status_code == 403

    # Anna sees that Henrik looked, that it was break-glass, and why.
    hans_rows = [e for e in casework.access_log() if e["actor_id"] == HENRIK]
    assert {(e["basis"], e["reason"]) for e in hans_rows if e["status"] == 200} == {
        ("break_glass", reason)
    }
    # The auditor finds every break-glass without knowing whose.
    flagged = casework.get(FRIDA, "/api/audit", params={"flagged": "break_glass"}).json()
    assert {(e["citizen_id"], e["actor_id"], e["reason"]) for e in flagged} == {
        (ANNA, HENRIK, reason)
    }

    # It is time-limited: once expired, the case is gone again.
    engine = casework.stack.app.config["APPLICATIONS_ENGINE"]
    with engine.begin() as conn:
        conn.execute(break_glass.update().values(expires_at=datetime.now(UTC)))
    assert casework.get(HENRIK, f"/api/applications/{case['id']}").status_code == 404


def test_the_citizen_sees_every_staff_look_with_its_basis_and_refusals_too(casework):
    case = casework.submitted()
    casework.visit(ERIK)
    casework.get(DORTE, f"/api/applications/{case['id']}")
    casework.get(ERIK, "/api/applications", params={"citizen_id": ANNA})
    casework.get(HENRIK, f"/api/applications/{case['id']}")  # refused: another unit

    seen = {(e["actor_id"], e["basis"], e["status"]) for e in casework.access_log()}
    assert (DORTE, "caseload", 200) in seen
    assert (ERIK, "visit", 200) in seen
    assert (HENRIK, None, 404) in seen
