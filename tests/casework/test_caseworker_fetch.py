"""A caseworker fetches data for a case with the citizen's consent (issue 14): through the
gateway with real tokens, on the same consent gate as the citizen's own fetch. A consent for a
case names the case (ADR 0014); without one in force nothing is fetched, the caseworker is told
why, and the refusal is in the citizen's "who has looked at my data"."""

from __future__ import annotations

from tests.casework.site import DORTE, HENRIK
from tests.harness.gateway_stack import ANNA
from tests.waiting import wait_until

FETCH = "therapist_assessment"  # hjaelpemidler: the occupational therapist's assessment


def fetch(casework, case_id, person=DORTE, fetch_id=FETCH):
    return casework.post(person, f"/api/applications/{case_id}/fetches/{fetch_id}")


def test_a_caseworker_fetches_for_the_case_under_the_consent_that_names_it(casework):
    case = casework.submitted()
    other_case = casework.submitted()
    casework.consent(case_ref=other_case["id"])  # names another case: not for this one
    consent_id = casework.consent(case_ref=case["id"])

    fetched = fetch(casework, case["id"])
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["answers"] == case["answers"]  # the citizen's answers stay hers

    file = casework.get(DORTE, f"/api/applications/{case['id']}/case-file").json()
    [record] = file["fetched"]
    assert record["fetch_id"] == FETCH and record["source"] == "occupational_therapist"
    assert record["consent_id"] == consent_id and record["fetched_at"]
    assert record["data"] == {"functional_summary": "Ergoterapeutens vurdering"}
    assert [c["consent_id"] for c in file["consents"] if c["relevant"]] == [consent_id]


def test_without_a_consent_in_force_nothing_is_fetched_and_the_refusal_is_audited(casework):
    case = casework.submitted()
    casework.consent(case_ref=casework.submitted()["id"])  # a consent for another case

    refused = fetch(casework, case["id"])
    assert refused.status_code == 403
    problem = refused.json()
    assert problem["code"] == "application.consent_missing"
    assert "Intet er hentet" in problem["detail"] and "Borgeren" in problem["title"]
    english = casework.as_(DORTE).post(
        f"{casework.stack.gateway}/api/applications/{case['id']}/fetches/{FETCH}",
        headers={"Accept-Language": "en"},
    )
    assert "Nothing was fetched" in english.json()["detail"]
    file = casework.get(DORTE, f"/api/applications/{case['id']}/case-file").json()
    assert file["fetched"] == []

    wait_until(
        lambda: (
            (DORTE, "write", 403)
            in [(e["actor_id"], e["action"], e["status"]) for e in casework.access_log(ANNA)]
        ),
        10,
        message="the refused fetch in Anna's access log",
    )


def test_a_caseworker_without_a_relation_to_the_case_cannot_fetch(casework):
    case = casework.submitted()
    casework.consent(case_ref=case["id"])
    assert fetch(casework, case["id"], person=HENRIK).status_code == 404


def test_a_decided_case_is_not_fetched_for_until_it_is_reopened(casework):
    case = casework.submitted()
    casework.consent(case_ref=case["id"])
    for body in (
        {"action": "start_review"},
        {"action": "decide", "outcome": "refused", "reason": "Ikke varigt", "letter_title": "A"},
    ):
        assert casework.post(DORTE, f"/api/applications/{case['id']}/case-actions", body).ok
    closed = fetch(casework, case["id"])
    assert closed.status_code == 409 and closed.json()["code"] == "application.not_editable"
