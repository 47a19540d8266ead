"""Casework through the gateway: the queue (filters, oldest first, counts, pages), claim,
request information, decide with an amount, two monthly payments, internal notes that never
reach the citizen, and reopening after a complaint."""

from __future__ import annotations

from datetime import date, timedelta

from tests.casework.site import DORTE, HENRIK
from tests.harness.gateway_stack import ANNA, CARL


def act(casework, case_id, person=DORTE, **body):
    response = casework.post(person, f"/api/applications/{case_id}/case-actions", body)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_queue_lists_oldest_first_with_counts_filters_and_pages(casework):
    first, second, third = (casework.submitted(citizen) for citizen in (ANNA, CARL, ANNA))
    act(casework, second["id"], action="assign")  # Dorte claims the second
    act(casework, second["id"], action="start_review")

    queue = casework.get(DORTE, "/api/applications/queue").json()
    assert [c["id"] for c in queue["items"]] == [first["id"], second["id"], third["id"]]
    assert queue["counts"] == {"submitted": 2, "under_review": 1} and queue["total"] == 3

    mine = casework.get(DORTE, "/api/applications/queue", params={"assignee": "me"}).json()
    assert [c["id"] for c in mine["items"]] == [second["id"]]
    unclaimed = casework.get(
        DORTE, "/api/applications/queue", params={"assignee": "none", "state": "submitted"}
    ).json()
    assert [c["id"] for c in unclaimed["items"]] == [first["id"], third["id"]]
    other_type = casework.get(DORTE, "/api/applications/queue", params={"type": "merudgifter"})
    assert other_type.json()["items"] == []
    old = casework.get(DORTE, "/api/applications/queue", params={"older_than_days": 1})
    assert old.json()["items"] == []  # all came in today

    page1 = casework.get(DORTE, "/api/applications/queue", params={"limit": 2}).json()
    page2 = casework.get(
        DORTE, "/api/applications/queue", params={"limit": 2, "after": page1["next"]}
    ).json()
    assert [c["id"] for c in page1["items"] + page2["items"]] == [
        first["id"],
        second["id"],
        third["id"],
    ]
    assert page2["next"] is None


def test_a_case_from_claim_to_two_monthly_payments_with_notes_kept_inside(casework):
    case = casework.submitted()
    case_id = case["id"]
    assert act(casework, case_id, action="assign")["assignee_id"] == DORTE
    act(casework, case_id, action="start_review")
    asked = act(
        casework,
        case_id,
        action="request_information",
        message="Send en lægeerklæring.",
        deadline=(date.today() + timedelta(days=14)).isoformat(),
    )
    assert asked["state"] == "awaiting_citizen"
    act(casework, case_id, action="resume")
    act(casework, case_id, action="note", text="Ringede til lægen; erklæring på vej.")
    decided = act(
        casework,
        case_id,
        action="decide",
        outcome="granted",
        reason="Varigt nedsat funktionsevne",
        granted_amount_ore=150000,
        letter_title="Afgørelse om hjælpemiddel",
    )
    assert decided["state"] == "decided" and decided["granted_amount_ore"] == 150000
    for month, paid_on in (("2026-12", "2026-12-01"), ("2027-01", "2027-01-01")):
        paid = act(
            casework, case_id, action="pay", amount_ore=150000, paid_on=paid_on, period=month
        )
        assert paid["state"] == "paid_out"

    file = casework.get(DORTE, f"/api/applications/{case_id}/case-file").json()
    assert [(p["period"], p["amount_ore"]) for p in file["payments"]] == [
        ("2026-12", 150000),
        ("2027-01", 150000),
    ]
    assert [n["text"] for n in file["notes"]] == ["Ringede til lægen; erklæring på vej."]

    # The note is the municipality's: not in the citizen's history, documents or view.
    seen = str(
        [
            casework.get(ANNA, f"/api/applications/{case_id}{path}").json()
            for path in ("", "/history", "/documents")
        ]
    )
    assert "lægen" not in seen
    assert casework.get(ANNA, f"/api/applications/{case_id}/case-file").status_code == 403

    # A complaint reopens the case for review; the reason is the complaint.
    no_reason = casework.post(
        DORTE, f"/api/applications/{case_id}/case-actions", {"action": "reopen"}
    )
    assert no_reason.status_code == 422
    reopened = act(casework, case_id, action="reopen", reason="Klage over beløbet")
    assert reopened["state"] == "under_review"
    history = casework.get(ANNA, f"/api/applications/{case_id}/history").json()
    assert [h["action"] for h in history][-4:] == ["decide", "pay", "pay", "reopen"]


def test_a_caseworker_of_another_unit_cannot_claim_and_a_claimed_case_stays_visible(casework):
    case = casework.submitted()
    refused = casework.post(
        HENRIK, f"/api/applications/{case['id']}/case-actions", {"action": "assign"}
    )
    assert refused.status_code == 404
    act(casework, case["id"], action="assign", assignee_id=HENRIK)
    assert casework.get(HENRIK, "/api/applications/queue").json()["items"][0]["id"] == case["id"]
