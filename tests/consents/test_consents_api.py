"""Consents through the API, on SQLite and PostgreSQL: give, check, withdraw, read, refuse."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from tests.consents.builders import check_body, consent_body
from tests.waiting import wait_until


def give(citizen, **overrides):
    response = citizen.post("/consents", consent_body(**overrides))
    assert response.status_code == 201, response.json
    return response.json


def test_a_citizen_gives_a_consent_that_names_what_who_and_which_case(service):
    citizen = service.citizen()
    consent = give(citizen)
    assert consent["status"] == "active"
    assert consent["given_by"] == citizen.id and consent["channel"] == "portal"
    assert consent["text"]["version"] == "2"
    assert "Hvis du siger nej" in consent["text"]["if_no_da"]
    assert consent["expires_at"] == (service.clock.now + timedelta(days=365)).isoformat()
    [given] = service.events(citizen.id)
    assert given.type == "dk.selvbetjening.consent.given.v1"
    assert given.data["consent_id"] == consent["id"] and given.key == citizen.id
    assert given.actor.id == citizen.id and given.actor.on_behalf_of is None


REFUSALS = [
    ({"data_categories": []}, "consent.blanket_data", "data_categories"),
    ({"data_categories": ["alle"]}, "consent.blanket_data", "data_categories"),
    ({"sources": []}, "consent.blanket_sources", "sources"),
    ({"sources": ["all"]}, "consent.blanket_sources", "sources"),
    ({"purpose": "all_purposes"}, "consent.unknown_purpose", "purpose"),
    ({"data_categories": ["income"]}, "consent.not_in_text", "data_categories"),
    ({"text_version": "0"}, "consent.unknown_text_version", "text_version"),
    ({"purpose": None}, "request.invalid_body", "purpose"),
    ({"channel": "tablet"}, "consent.channel_not_allowed", "channel"),
]


def test_a_blanket_or_unlawful_consent_is_refused_and_nothing_is_recorded(service):
    citizen = service.citizen()
    for change, code, field in REFUSALS:  # one database for all cases: keeps the suite fast
        response = citizen.post("/consents", consent_body(**change))
        assert (response.status_code, response.json["code"]) == (422, code), change
        assert response.json["field"] == field, change
        assert response.mimetype == "application/problem+json"
    assert service.events() == []
    assert citizen.get("/consents").json["consents"] == []


def test_problems_are_danish_by_default_and_english_on_request(service):
    citizen = service.citizen()
    body = consent_body(data_categories=["*"])
    danish = citizen.post("/consents", body)
    english = citizen.post("/consents", body, headers={"Accept-Language": "en"})
    assert danish.json["title"].startswith("Et samtykke skal nævne")
    assert english.json["title"] == "A consent must name which information, from whom and for what"


def test_a_citizen_is_named_by_uuid_never_by_cpr(service):
    staff = service.staff("homecare")
    response = staff.post(
        "/consents", consent_body(citizen_id="0101901234", channel="tablet", device_id="t-1")
    )
    assert (response.status_code, response.json["code"]) == (422, "request.invalid_body")
    assert response.json["field"] == "citizen_id"


def test_a_check_answers_from_the_state_now_with_the_consent_as_evidence(service):
    citizen = service.citizen()
    case_system = service.machine("consents:check")
    consent = give(citizen, case_ref="sag-1")
    ask = check_body(citizen.id, case_ref="sag-1", source="general_practitioner")
    response = case_system.post("/checks", ask)
    assert response.headers["X-Data-Subjects"] == citizen.id  # the gateway audits the read
    allowed = response.json
    assert (allowed["allowed"], allowed["consent_id"]) == (True, consent["id"])
    outside = case_system.post("/checks", {**ask, "data_categories": ["health", "housing"]})
    assert (outside.json["allowed"], outside.json["reason"]) == (False, "data_not_covered")
    other_case = case_system.post("/checks", {**ask, "case_ref": "sag-2"}).json
    assert (other_case["allowed"], other_case["reason"]) == (False, "no_consent")
    service.clock.advance(days=366)
    expired = case_system.post("/checks", ask).json
    assert (expired["allowed"], expired["reason"]) == (False, "expired")


def test_only_machines_with_the_check_scope_and_staff_may_ask(service):
    citizen = service.citizen()
    ask = check_body(citizen.id)
    assert (
        service.machine("applications:read").post("/checks", ask).json["code"]
        == "auth.missing_scope"
    )
    assert citizen.post("/checks", ask).json["code"] == "auth.wrong_kind_of_caller"
    # Staff ask only about a citizen whose case they have (docs/decisions/0016).
    caseworker = service.staff("caseworker")
    stranger = caseworker.post("/checks", ask)
    assert (stranger.status_code, stranger.json["code"]) == (404, "consent.citizen_not_found")
    service.assign(caseworker, citizen)
    assert caseworker.post("/checks", ask).status_code == 200
    anonymous = service.app.test_client().post("/api/consents/checks", json=ask)
    assert (anonymous.status_code, anonymous.json["code"]) == (401, "auth.token_missing")


def test_withdrawal_is_effective_at_once_and_published(service):
    citizen = service.citizen()
    consent = give(citizen)
    withdrawn = citizen.post(f"/consents/{consent['id']}/withdrawal")
    assert withdrawn.status_code == 200
    assert (withdrawn.json["status"], withdrawn.json["withdrawn_by"]) == ("withdrawn", citizen.id)
    ask = check_body(citizen.id, case_ref=consent["case_ref"])
    answer = service.machine("consents:check").post("/checks", ask).json
    assert (answer["allowed"], answer["reason"]) == (False, "withdrawn")
    assert service.event_types(citizen.id) == ["consent.given.v1", "consent.withdrawn.v1"]
    again = citizen.post(f"/consents/{consent['id']}/withdrawal")
    assert (again.status_code, again.json["code"]) == (409, "consent.not_active")
    assert len(service.events(citizen.id)) == 2


def test_withdrawal_racing_with_checks_no_use_is_allowed_after_the_withdrawal(service):
    citizen = service.citizen()
    consent = give(citizen)
    ask = check_body(citizen.id, case_ref=consent["case_ref"])
    service.clock.real = True  # checks and the withdrawal take the time as they run
    answers: list[dict] = []
    done = threading.Event()

    def keep_checking():
        case_system = service.machine("consents:check")
        while not done.is_set():
            answers.append(case_system.post("/checks", ask).json)

    threads = [threading.Thread(target=keep_checking) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: len(answers) >= 3, 10, message="checks before the withdrawal")
        withdrawn = citizen.post(f"/consents/{consent['id']}/withdrawal").json
        after = service.machine("consents:check").post("/checks", ask).json
        wait_until(
            lambda: sum(not a["allowed"] for a in answers) >= 3,
            10,
            message="checks after the withdrawal",
        )
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert after["allowed"] is False
    # The log of checks agrees with the withdrawal: every yes came before it, every no after.
    withdrawn_at = datetime.fromisoformat(withdrawn["withdrawn_at"])
    for answer in answers:
        assert answer["allowed"] == (datetime.fromisoformat(answer["checked_at"]) < withdrawn_at), (
            answer
        )
    assert any(a["allowed"] for a in answers)
    assert len(citizen.get("/export").json["checks"]) == len(answers) + 1


def test_a_newer_consent_replaces_the_one_in_force(service):
    citizen = service.citizen()
    first = give(citizen, case_ref="sag-9")
    service.clock.advance(minutes=1)
    newer = give(citizen, case_ref="sag-9", data_categories=["health"])
    assert newer["supersedes"] == first["id"]
    assert citizen.get(f"/consents/{first['id']}").json["status"] == "superseded"
    given = service.events(citizen.id)[-1]
    assert given.data["supersedes"] == first["id"]


def test_a_citizen_cannot_see_or_withdraw_another_citizens_consent(service):
    owner, other = service.citizen(), service.citizen()
    consent = give(owner)
    for response in (
        other.get(f"/consents/{consent['id']}"),
        other.post(f"/consents/{consent['id']}/withdrawal"),
        other.get(f"/consents?citizen_id={owner.id}"),
    ):
        assert (response.status_code, response.json["code"]) == (403, "proxy.no_authority")
    assert owner.get(f"/consents/{consent['id']}").json["status"] == "active"


def test_an_unknown_consent_is_not_found(service):
    response = service.citizen().post("/consents/8b0f2a0e-5a43-4c6e-9f55-2c1f3b0d9e11/withdrawal")
    assert (response.status_code, response.json["code"]) == (404, "consent.not_found")


def test_giving_consent_needs_substantial_assurance(service):
    response = service.citizen(assurance="Low").post("/consents", consent_body())
    assert (response.status_code, response.json["code"]) == (403, "auth.assurance_too_low")


def test_the_citizen_can_export_their_whole_history(service):
    citizen = service.citizen()
    consent = give(citizen)
    citizen.post(f"/consents/{consent['id']}/withdrawal")
    service.machine("consents:check").post("/checks", check_body(citizen.id))
    agent = service.citizen()
    until = service.clock.now + timedelta(days=30)
    citizen.post(
        "/proxies",
        {"agent_id": agent.id, "scopes": ["consents.read"], "valid_until": until.isoformat()},
    )
    response = citizen.get("/export")
    assert response.headers["Content-Disposition"].startswith("attachment")
    export = response.json
    assert [c["status"] for c in export["consents"]] == ["withdrawn"]
    assert export["consents"][0]["text"]["da"]
    assert [p["agent_id"] for p in export["proxies"]["granted"]] == [agent.id]
    assert export["checks"][0]["asked_by"].startswith("case-system-")
    assert "0101901234" not in response.get_data(as_text=True)


def test_the_purposes_list_the_texts_with_their_versions(service):
    purposes = service.citizen().get("/purposes").json["purposes"]
    home_care = next(p for p in purposes if p["code"] == "home_care_assessment")
    assert home_care["current_version"] == "2"
    assert [t["version"] for t in home_care["texts"]] == ["1", "2"]
    assert all(t["if_no_da"] and t["if_no_en"] for p in purposes for t in p["texts"])
