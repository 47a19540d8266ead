"""Staff read a citizen's consents, and ask the consent check about them, only through a
relation (kit.policy): a visit today, the citizen's case assigned to them, or break-glass
(read only); the case systems' machine checks go on as before. Refusals are 404 and audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.access.conftest import DORTE, ERIK, HENRIK
from tests.harness.gateway_stack import ANNA, CARL

CONSENTS, CHECKS = "/api/consents/consents", "/api/consents/checks"
GLASS = "/api/consents/break-glass"


def check_body(citizen: str = ANNA) -> dict:
    return {
        "citizen_id": citizen,
        "purpose": "home_care_assessment",
        "data_categories": ["health"],
        "source": "hospital",
    }


def consent_body(citizen: str = ANNA) -> dict:
    return {
        "citizen_id": citizen,
        "purpose": "home_care_assessment",
        "case_ref": "ANS-2026-0042",
        "data_categories": ["health"],
        "sources": ["hospital"],
        "text_version": "2",
        "channel": "tablet",
        "device_id": "tablet-7",
    }


def test_home_care_reads_and_collects_consents_only_with_a_visit_today(site):
    site.book(ANNA, ERIK, starts_at=datetime.now(UTC) - timedelta(days=2))  # not today
    assert site.get(ERIK, CONSENTS, citizen_id=ANNA).status_code == 404
    assert site.post(ERIK, CONSENTS, consent_body()).status_code == 404

    site.book(ANNA, ERIK)  # today
    given = site.post(ERIK, CONSENTS, consent_body())
    assert given.status_code == 201, given.text
    assert site.get(ERIK, CONSENTS, citizen_id=ANNA).status_code == 200
    assert site.get(ERIK, CONSENTS, citizen_id=CARL).status_code == 404
    assert site.refusals_of(ERIK) == [("consents", 404)] * 2
    assert site.refusals_of(ERIK, CARL) == [("consents", 404)]


def test_the_consent_check_answers_a_caseworker_only_about_citizens_whose_case_they_have(site):
    refused = site.post(DORTE, CHECKS, check_body())
    assert refused.status_code == 404
    assert refused.json()["code"] == "consent.citizen_not_found"

    site.assign(DORTE, ANNA)
    answered = site.post(DORTE, CHECKS, check_body())
    assert answered.status_code == 200, answered.text
    assert answered.json()["allowed"] is False  # no consent given yet: answered, and logged
    # Henrik, of another unit: still nothing.
    assert site.post(HENRIK, CHECKS, check_body()).status_code == 404
    assert site.refusals_of(DORTE) == [("consents", 404)]
    assert site.refusals_of(HENRIK) == [("consents", 404)]

    # A case system (machine, scope consents:check) asks about anyone, as before.
    machine = site.machine("consents:check")
    asked = machine.post(f"{site.stack.gateway}{CHECKS}", json=check_body(CARL), timeout=10)
    assert asked.status_code == 200, asked.text


def test_break_glass_opens_the_consents_read_only_with_a_reason_shown_to_the_citizen(site):
    site.book(ANNA, ERIK)
    assert site.post(ERIK, CONSENTS, consent_body()).status_code == 201

    no_reason = site.post(HENRIK, GLASS, {"citizen_id": ANNA})
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "break_glass.reason_required"
    assert site.get(HENRIK, CONSENTS, citizen_id=ANNA).status_code == 404

    reason = "Lægen ringer om samtykket; sagsbehandleren er syg."
    opened = site.post(HENRIK, GLASS, {"citizen_id": ANNA, "reason": reason})
    assert opened.status_code == 200, opened.text
    listed = site.get(HENRIK, CONSENTS, citizen_id=ANNA)
    assert listed.status_code == 200 and len(listed.json()["consents"]) == 1
    consent_id = listed.json()["consents"][0]["id"]
    # Read only: no withdrawal, no check (a check is a use of the data).
    withdrawn = site.post(HENRIK, f"{CONSENTS}/{consent_id}/withdrawal")
    assert withdrawn.status_code == 403 and withdrawn.json()["code"] == "consent.read_only"
    assert site.post(HENRIK, CHECKS, check_body()).status_code == 403
    assert site.get(HENRIK, CONSENTS, citizen_id=CARL).status_code == 404

    rows = [e for e in site.access_log() if e["actor_id"] == HENRIK and e["status"] == 200]
    assert {(e["basis"], e["reason"]) for e in rows} == {("break_glass", reason)}
    flagged = site.get("auditor-frida", "/api/audit", flagged="break_glass").json()
    assert {(e["citizen_id"], e["actor_id"], e["reason"]) for e in flagged} == {
        (ANNA, HENRIK, reason)
    }
    assert sorted(site.refusals_of(HENRIK)) == [("consents", 403)] * 2 + [("consents", 404)]
