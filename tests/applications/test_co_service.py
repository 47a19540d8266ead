"""Co-service: staff start and submit an application with the citizen, on the citizen's behalf.

The submission is the citizen's act: staff send when the citizen confirmed it, and are recorded
as the ones who attest that. A draft staff started carries their name, so the portal can say
"started with <staff name>"."""

from __future__ import annotations

from schemas.events import applications as ev
from tests.applications.builders import complete_answers
from tests.applications.conftest import PDF, Caller, create


def staff_member(platform, citizen: Caller, name="Erik Eriksen") -> Caller:
    """Home care on a visit to the citizen today (staff see a citizen only through one)."""
    token = platform.issuer.staff("hjemmehjaelp-erik", ["homecare"], name=name)
    erik = Caller(platform.client, token, "hjemmehjaelp-erik", {"X-Channel": "tablet"})
    platform.visit(erik, citizen.subject)
    return erik


def test_a_draft_started_by_staff_carries_their_name_for_the_citizen(platform):
    citizen = platform.citizen()
    erik = staff_member(platform, citizen)
    draft = create(erik, {"household": "single"}, citizen_id=citizen.subject)
    assert draft.json["created_by"] == {
        "id": "hjemmehjaelp-erik",
        "type": "staff",
        "name": "Erik Eriksen",
    }
    mine = citizen.get("/api/applications").json
    assert [a["created_by"]["name"] for a in mine] == ["Erik Eriksen"]
    own = create(citizen)
    assert own.json["created_by"]["name"] is None  # a citizen's own draft names nobody


def test_staff_submit_only_with_the_citizens_confirmation_and_attest_it(platform):
    citizen = platform.citizen()
    erik = staff_member(platform, citizen)
    app_id = create(erik, complete_answers(), citizen_id=citizen.subject).json["id"]
    assert erik.upload(f"/api/applications/{app_id}/attachments", PDF).status_code == 201

    refused = erik.post(f"/api/applications/{app_id}/submit")
    assert refused.status_code == 422
    assert refused.json["code"] == "application.citizen_confirmation_required"

    confirmed_at = "2026-11-28T10:15:00+01:00"
    submitted = erik.post(
        f"/api/applications/{app_id}/submit", {"citizen_confirmed_at": confirmed_at}
    )
    assert submitted.status_code == 200, submitted.json
    body = submitted.json
    assert body["state"] == "submitted"
    assert body["attested_by"] == "hjemmehjaelp-erik"
    assert body["citizen_confirmed_at"].startswith("2026-11-28T09:15:00")
    assert body["citizen_id"] == citizen.subject
    (event,) = [e for e in platform.events(app_id) if e.type == ev.SUBMITTED]
    assert event.data["attested_by"] == "hjemmehjaelp-erik"
    assert event.data["citizen_confirmed_at"].startswith("2026-11-28T10:15:00")
    assert event.actor.on_behalf_of == citizen.subject
    history = citizen.get(f"/api/applications/{app_id}/history").json
    submit = next(h for h in history if h["action"] == "submit")
    assert submit["on_behalf_of"] == citizen.subject


def test_a_citizen_submitting_their_own_application_needs_no_attestation(platform):
    citizen = platform.citizen()
    app_id = create(citizen, complete_answers()).json["id"]
    assert citizen.upload(f"/api/applications/{app_id}/attachments", PDF).status_code == 201
    submitted = citizen.post(f"/api/applications/{app_id}/submit")
    assert submitted.status_code == 200
    assert submitted.json["attested_by"] is None and submitted.json["citizen_confirmed_at"] is None


def test_a_types_form_says_which_files_its_attachments_may_be(platform):
    """The tablet refuses a wrong file offline with the service's own rules."""
    rules = platform.citizen().get("/api/applications/types/testhjaelp").json["attachment_rules"]
    assert "image/jpeg" in rules["content_types"] and "text/plain" not in rules["content_types"]
    assert rules["max_bytes"] == 10 * 1024 * 1024


def test_on_a_visit_staff_continue_the_citizens_own_draft_but_see_no_other_case(platform):
    citizen = platform.citizen()
    erik = staff_member(platform, citizen)
    draft = create(citizen, {"household": "single"})  # begun by the citizen in the portal
    sent = create(citizen, complete_answers()).json["id"]
    assert citizen.upload(f"/api/applications/{sent}/attachments", PDF).status_code == 201
    assert citizen.post(f"/api/applications/{sent}/submit").status_code == 200

    listed = {a["id"]: a for a in erik.get(f"/api/applications?citizen_id={citizen.subject}").json}
    assert listed[draft.json["id"]]["answers"] == {"household": "single"}
    assert "answers" not in listed[sent]  # her submitted case: that it exists, no more
    saved = erik.patch(
        f"/api/applications/{draft.json['id']}/answers",
        {"answers": {"household": "couple"}},
        {"If-Match": draft.headers["ETag"]},
    )
    assert saved.status_code == 200, saved.json
    assert erik.get(f"/api/applications/{sent}").status_code == 404

    stranger = platform.citizen()  # no visit with this citizen: nothing at all
    other = create(stranger, {"household": "single"}).json["id"]
    assert erik.get(f"/api/applications/{other}").status_code == 404
