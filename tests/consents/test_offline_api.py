"""Consents collected on a tablet while offline, arriving later: the later fact wins."""

from __future__ import annotations

from datetime import timedelta

from tests.consents.builders import check_body, consent_body, tablet_consent_body
from tests.harness.clock import morning as local_morning


def test_staff_collect_consent_on_a_tablet_and_attest_it(service):
    citizen = service.citizen()
    nurse = service.staff("homecare")
    service.visit(nurse, citizen)
    response = nurse.post(
        "/consents", tablet_consent_body(citizen.id, service.clock.now - timedelta(hours=2))
    )
    assert response.status_code == 201, response.json
    consent = response.json
    assert (consent["status"], consent["channel"]) == ("active", "tablet")
    assert (consent["given_by"], consent["attested_by"]) == (citizen.id, nurse.id)
    assert consent["given_at"] == (service.clock.now - timedelta(hours=2)).isoformat()
    [given] = service.events(citizen.id)
    assert given.actor.on_behalf_of == citizen.id and given.data["device_id"] == "tablet-7"
    assert citizen.get("/consents").json["consents"][0]["id"] == consent["id"]


def test_staff_need_a_collecting_role_and_oral_consent_needs_a_note(service):
    citizen = service.citizen()
    body = consent_body(citizen_id=citizen.id, channel="oral")
    assert service.staff("gardener").post("/consents", body).json["code"] == "auth.missing_role"
    caseworker = service.staff("caseworker")
    unrelated = caseworker.post("/consents", {**body, "note": "Telefon, kl. 10"})
    assert (unrelated.status_code, unrelated.json["code"]) == (404, "consent.citizen_not_found")
    service.assign(caseworker, citizen)  # one of the citizen's cases is hers
    refused = caseworker.post("/consents", body)
    assert (refused.status_code, refused.json["code"]) == (422, "consent.note_required")
    noted = caseworker.post("/consents", {**body, "note": "Telefon, kl. 10"})
    assert noted.status_code == 201
    unnamed = caseworker.post("/consents", consent_body(channel="paper", note="Blanket 3"))
    assert unnamed.json["code"] == "consent.citizen_required"


def test_an_offline_consent_arriving_after_a_withdrawal_is_kept_but_not_in_force(service):
    citizen, nurse = service.citizen(), service.staff("homecare")
    # The morning: the hours the tablet is offline stay within the visit's day (run at 22:30
    # Copenhagen time, the visit of "now" was yesterday's by the time the tablet came back).
    service.clock.set(local_morning(service.clock.now))
    service.visit(nurse, citizen)
    morning = service.clock.now
    online = citizen.post("/consents", consent_body(case_ref="sag-7")).json
    service.clock.advance(hours=2)
    citizen.post(f"/consents/{online['id']}/withdrawal")
    service.clock.advance(hours=2)  # the tablet comes back online
    late = nurse.post(
        "/consents", tablet_consent_body(citizen.id, morning + timedelta(hours=1), case_ref="sag-7")
    )
    assert late.status_code == 201
    assert late.json["status"] == "superseded"
    assert late.json["superseded_by"]["kind"] == "withdrawal"
    assert [w["code"] for w in late.json["warnings"]] == ["consent.superseded_on_arrival"]
    ask = check_body(citizen.id, case_ref="sag-7")
    answer = service.machine("consents:check").post("/checks", ask).json
    assert (answer["allowed"], answer["reason"]) == (False, "withdrawn")
    # Evidence kept, but nothing announced that would let another service use the data.
    assert service.event_types(citizen.id) == ["consent.given.v1", "consent.withdrawn.v1"]
    statuses = {c["id"]: c["status"] for c in citizen.get("/export").json["consents"]}
    assert statuses == {online["id"]: "withdrawn", late.json["id"]: "superseded"}


def test_an_offline_consent_given_after_the_withdrawal_is_in_force(service):
    citizen, nurse = service.citizen(), service.staff("homecare")
    # The morning: the hours the tablet is offline stay within the visit's day (run at 22:30
    # Copenhagen time, the visit of "now" was yesterday's by the time the tablet came back).
    service.clock.set(local_morning(service.clock.now))
    service.visit(nurse, citizen)
    online = citizen.post("/consents", consent_body(case_ref="sag-8")).json
    service.clock.advance(hours=1)
    citizen.post(f"/consents/{online['id']}/withdrawal")
    service.clock.advance(hours=2)
    late = nurse.post(
        "/consents",
        tablet_consent_body(citizen.id, service.clock.now - timedelta(hours=1), case_ref="sag-8"),
    ).json
    assert (late["status"], late["warnings"]) == ("active", [])
    answer = (
        service.machine("consents:check")
        .post("/checks", check_body(citizen.id, case_ref="sag-8"))
        .json
    )
    assert (answer["allowed"], answer["consent_id"]) == (True, late["id"])


def test_an_offline_consent_older_than_a_newer_consent_does_not_replace_it(service):
    citizen, nurse = service.citizen(), service.staff("homecare")
    # The morning: the hours the tablet is offline stay within the visit's day (run at 22:30
    # Copenhagen time, the visit of "now" was yesterday's by the time the tablet came back).
    service.clock.set(local_morning(service.clock.now))
    service.visit(nurse, citizen)
    offline_time = service.clock.now
    service.clock.advance(hours=1)
    newer = citizen.post("/consents", consent_body(case_ref="sag-4")).json
    late = nurse.post(
        "/consents", tablet_consent_body(citizen.id, offline_time, case_ref="sag-4")
    ).json
    assert late["status"] == "superseded"
    assert late["superseded_by"] == {"kind": "consent", "id": newer["id"], "at": newer["given_at"]}
    assert citizen.get(f"/consents/{newer['id']}").json["status"] == "active"


def test_a_tablet_sending_the_same_consent_twice_records_it_once(service):
    citizen, nurse = service.citizen(), service.staff("homecare")
    service.visit(nurse, citizen)
    body = tablet_consent_body(
        citizen.id, service.clock.now, consent_id="5b0b8a8e-0c1e-4d6a-9b1e-3f0f8d1c2a77"
    )
    first = nurse.post("/consents", body)
    again = nurse.post("/consents", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert len(service.events(citizen.id)) == 1
    other = service.citizen()
    service.visit(nurse, other)
    someone_else = nurse.post("/consents", {**body, "citizen_id": other.id})
    assert (someone_else.status_code, someone_else.json["code"]) == (409, "consent.id_conflict")


def test_a_device_time_in_the_future_is_refused(service):
    citizen, nurse = service.citizen(), service.staff("homecare")
    service.visit(nurse, citizen)
    response = nurse.post(
        "/consents", tablet_consent_body(citizen.id, service.clock.now + timedelta(hours=1))
    )
    assert (response.status_code, response.json["code"]) == (422, "consent.given_in_future")
