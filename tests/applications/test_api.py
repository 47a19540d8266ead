"""The applications API, through HTTP with real tokens, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from kit import clock as kit_clock
from kit.clock import local_date
from schemas.events import applications as ev
from tests.applications.builders import complete_answers
from tests.applications.conftest import PDF, create

FUTURE = (date.today() + timedelta(days=14)).isoformat()


def fill_and_submit(citizen, platform=None):
    created = create(citizen, complete_answers())
    app_id = created.json["id"]
    assert citizen.upload(f"/api/applications/{app_id}/attachments", PDF).status_code == 201
    submitted = citizen.post(f"/api/applications/{app_id}/submit")
    assert submitted.status_code == 200, submitted.json
    return app_id


def test_a_citizens_application_goes_from_draft_to_closed_with_every_step_an_event(platform):
    citizen, case_system = platform.citizen(), platform.case_system()

    draft = create(citizen, {"household": "single"})
    app_id, version = draft.json["id"], draft.headers["ETag"]
    assert draft.json["state"] == "draft" and draft.json["channel"] == "portal"
    saved = citizen.patch(
        f"/api/applications/{app_id}/answers",
        {"answers": complete_answers()},
        {"If-Match": version},
    )
    assert saved.status_code == 200 and saved.headers["ETag"] != version
    assert citizen.upload(f"/api/applications/{app_id}/attachments", PDF).status_code == 201
    assert citizen.get(f"/api/applications/{app_id}/checks").json["can_submit"] is True

    submitted = citizen.post(f"/api/applications/{app_id}/submit")
    assert submitted.json["state"] == "submitted"
    # The year in Copenhagen (tests/applications/test_local_dates.py), not the host's.
    year = local_date(kit_clock.now()).year
    assert submitted.json["case_number"].startswith(f"ANS-{year}-")
    assert submitted.json["status_text"]["da"] == "tekst submitted"

    def act(action, **params):
        response = case_system.post(
            f"/api/applications/{app_id}/case-actions", {"action": action, **params}
        )
        assert response.status_code == 200, response.json
        return response.json

    act("start_review")
    waiting = act("request_information", deadline=FUTURE, message="Send kontoudtog")
    assert waiting["state"] == "awaiting_citizen" and waiting["information_deadline"] == FUTURE
    assert (
        citizen.patch(
            f"/api/applications/{app_id}/answers",
            {"answers": {"description": "Nu med kontoudtog"}},
            {"If-Match": waiting and citizen.get(f"/api/applications/{app_id}").headers["ETag"]},
        ).status_code
        == 200
    )
    assert citizen.post(f"/api/applications/{app_id}/submit").json["state"] == "under_review"
    decided = act("decide", outcome="granted", letter_title="Afgørelse om hjælp")
    assert decided["status_text"]["da"] == "tekst decided_granted"
    act("pay", amount_ore=450000, paid_on=date.today().isoformat())
    assert act("close")["state"] == "closed"

    types = [e.type for e in platform.events(app_id)]
    assert types == [
        ev.CREATED,
        ev.UPDATED,
        ev.DOCUMENT_ADDED,
        ev.STATUS_CHANGED,
        ev.SUBMITTED,
        ev.STATUS_CHANGED,
        ev.STATUS_CHANGED,
        ev.INFORMATION_REQUESTED,
        ev.UPDATED,
        ev.STATUS_CHANGED,
        ev.STATUS_CHANGED,
        ev.DOCUMENT_ADDED,
        ev.DECIDED,
        ev.STATUS_CHANGED,
        ev.PAID_OUT,
        ev.STATUS_CHANGED,
    ]
    history = citizen.get(f"/api/applications/{app_id}/history").json
    assert [h["to_state"] for h in history] == [
        "draft",
        "submitted",
        "under_review",
        "awaiting_citizen",
        "under_review",
        "decided",
        "paid_out",
        "closed",
    ]
    assert history[2]["actor_type"] == "machine" and history[3]["reason"] == "Send kontoudtog"
    letters = citizen.get(f"/api/applications/{app_id}/documents").json
    assert [(d["title"], d["direction"]) for d in letters] == [
        ("Tilbud fra forhandler", "incoming"),
        ("Afgørelse om hjælp", "outgoing"),
    ]


def test_citizen_a_cannot_see_or_touch_citizen_bs_application(platform):
    alice, bob = platform.citizen(), platform.citizen()
    app_id = create(alice).json["id"]
    assert bob.get(f"/api/applications/{app_id}").status_code == 404
    assert bob.get(f"/api/applications/{app_id}/checks").status_code == 404
    assert bob.post(f"/api/applications/{app_id}/withdraw").status_code == 404
    assert (
        bob.patch(
            f"/api/applications/{app_id}/answers", {"answers": {}}, {"If-Match": '"v1"'}
        ).status_code
        == 404
    )
    assert bob.get("/api/applications").json == []
    assert bob.get(f"/api/applications?citizen_id={alice.subject}").status_code == 404


def test_two_devices_editing_the_same_version_one_gets_412_and_nothing_is_lost(platform):
    citizen = platform.citizen()
    created = create(citizen)
    app_id, version = created.json["id"], created.headers["ETag"]
    phone = citizen.patch(
        f"/api/applications/{app_id}/answers", {"answers": {"wealth": 100}}, {"If-Match": version}
    )
    tablet = citizen.patch(
        f"/api/applications/{app_id}/answers", {"answers": {"wealth": 999}}, {"If-Match": version}
    )
    assert phone.status_code == 200
    assert tablet.status_code == 412
    assert tablet.json["code"] == "application.version_conflict"
    assert citizen.get(f"/api/applications/{app_id}").json["answers"]["wealth"] == 100
    missing = citizen.patch(f"/api/applications/{app_id}/answers", {"answers": {"wealth": 1}})
    assert missing.status_code == 428 and missing.json["code"] == "request.if_match_required"


def test_a_retried_create_with_the_same_idempotency_key_makes_one_application(platform):
    citizen = platform.citizen()
    headers = {"Idempotency-Key": "tablet-7f3a"}
    first = citizen.post("/api/applications", {"type": "testhjaelp"}, headers)
    again = citizen.post("/api/applications", {"type": "testhjaelp"}, headers)
    assert first.status_code == again.status_code == 201
    assert first.json["id"] == again.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(citizen.get("/api/applications").json) == 1
    other = citizen.post(
        "/api/applications", {"type": "testhjaelp", "answers": {"wealth": 5}}, headers
    )
    assert other.status_code == 422 and other.json["code"] == "request.idempotency_key_reused"


def test_simultaneous_retries_of_a_create_still_make_one_application(platform):
    citizen = platform.citizen()
    results = []

    def attempt():
        response = citizen.client.post(
            "/api/applications",
            json={"type": "testhjaelp"},
            headers={"Authorization": f"Bearer {citizen.token}", "Idempotency-Key": "k-1"},
        )
        results.append((response.status_code, response.json["id"]))

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [status for status, _ in results] == [201] * 5
    assert len({app_id for _, app_id in results}) == 1
    assert len(citizen.get("/api/applications").json) == 1


def test_a_retried_submit_submits_once(platform):
    citizen = platform.citizen()
    app_id = create(citizen, complete_answers()).json["id"]
    citizen.upload(f"/api/applications/{app_id}/attachments", PDF)
    headers = {"Idempotency-Key": "submit-1"}
    first = citizen.post(f"/api/applications/{app_id}/submit", headers=headers)
    again = citizen.post(f"/api/applications/{app_id}/submit", headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json["case_number"] == again.json["case_number"]
    assert [e.type for e in platform.events(app_id)].count(ev.SUBMITTED) == 1
    unkeyed = citizen.post(f"/api/applications/{app_id}/submit")
    assert unkeyed.status_code == 409 and unkeyed.json["code"] == "application.illegal_transition"


def test_checks_never_block_saving_but_errors_block_submitting(platform):
    citizen = platform.citizen()
    app_id = create(citizen, {"wealth": "mange penge"}).json["id"]
    checks = citizen.get(f"/api/applications/{app_id}/checks").json
    assert checks["can_submit"] is False
    found = {(f["code"], f["field"]) for f in checks["findings"]}
    assert ("application.field_invalid.not_a_number", "wealth") in found
    assert ("application.field_required", "household") in found
    refused = citizen.post(f"/api/applications/{app_id}/submit")
    assert refused.status_code == 422 and refused.json["code"] == "application.cannot_submit"
    assert refused.json["detail"] == "Ret fejlene, og prøv igen. Dine svar er gemt."
    assert citizen.get(f"/api/applications/{app_id}").json["answers"] == {"wealth": "mange penge"}


def test_warnings_do_not_block_submitting_and_travel_with_the_submission(platform):
    citizen = platform.citizen()
    app_id = create(citizen, complete_answers(wealth=50000)).json["id"]
    citizen.upload(f"/api/applications/{app_id}/attachments", PDF)
    assert citizen.post(f"/api/applications/{app_id}/submit").status_code == 200
    submitted = next(e for e in platform.events(app_id) if e.type == ev.SUBMITTED)
    assert submitted.data["warnings"] == ["testhjaelp.wealth_above_limit"]


def test_a_citizen_logged_in_below_the_required_assurance_is_told_to_log_in_again(platform):
    citizen = platform.citizen(assurance="Low")
    response = citizen.post("/api/applications", {"type": "testhjaelp"})
    assert response.status_code == 403
    assert response.json["code"] == "auth.assurance_too_low"
    assert "MitID" in response.json["detail"]
    assert response.json["required_assurance"] == "Substantial"


def test_staff_start_a_draft_in_the_home_and_the_citizen_continues_it(platform):
    citizen, homecare = platform.citizen(), platform.staff("homecare")
    platform.visit(homecare, citizen.subject)  # co-service happens during a visit
    draft = create(homecare, {"household": "single"}, citizen_id=citizen.subject)
    app_id = draft.json["id"]
    assert draft.json["channel"] == "tablet"
    assert draft.json["created_by"]["type"] == "staff"
    mine = citizen.get("/api/applications").json
    assert [a["id"] for a in mine] == [app_id]
    assert (
        citizen.patch(
            f"/api/applications/{app_id}/answers",
            {"answers": {"wealth": 10}},
            {"If-Match": draft.headers["ETag"]},
        ).status_code
        == 200
    )
    created = platform.events(app_id)[0]
    assert created.actor.type == "staff" and created.actor.on_behalf_of == citizen.subject
    nameless = homecare.post("/api/applications", {"type": "testhjaelp"})
    assert nameless.status_code == 422 and nameless.json["field"] == "citizen_id"
    stranger = platform.staff("parking_attendant")
    platform.visit(stranger, citizen.subject)
    assert (
        stranger.post(
            "/api/applications", {"type": "testhjaelp", "citizen_id": citizen.subject}
        ).status_code
        == 404  # no role that visits, no relation: no such citizen
    )


def test_a_relative_with_power_of_attorney_applies_and_an_expired_one_is_refused(platform):
    mother, son = platform.citizen(), platform.citizen()
    assert (
        son.post(
            "/api/applications", {"type": "testhjaelp", "citizen_id": mother.subject}
        ).status_code
        == 403
    )
    platform.grant_proxy(mother.subject, son.subject)
    app_id = create(son, citizen_id=mother.subject).json["id"]
    assert [a["id"] for a in mother.get("/api/applications").json] == [app_id]
    assert son.get(f"/api/applications/{app_id}").status_code == 200
    assert platform.events(app_id)[0].actor.on_behalf_of == mother.subject

    daughter = platform.citizen()
    platform.grant_proxy(mother.subject, daughter.subject, valid_for=timedelta(seconds=-1))
    assert daughter.get(f"/api/applications/{app_id}").status_code == 404
    reader = platform.citizen()
    platform.grant_proxy(mother.subject, reader.subject, scopes=("applications.read",))
    assert reader.get(f"/api/applications/{app_id}").status_code == 200
    assert reader.post(f"/api/applications/{app_id}/withdraw").status_code == 403


def test_attachments_are_checked_and_never_served_to_someone_else(platform):
    citizen, other = platform.citizen(), platform.citizen()
    app_id = create(citizen).json["id"]
    path = f"/api/applications/{app_id}/attachments"
    exe = citizen.upload(path, b"MZ\x90\x00 not a pdf", filename="tilbud.pdf")
    assert exe.status_code == 422 and exe.json["code"] == "application.attachment_type"
    huge = citizen.upload(path, b"%PDF" + b"0" * (10 * 1024 * 1024))
    assert huge.status_code == 422 and huge.json["code"] == "application.attachment_too_large"
    import io
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.exe", b"MZ")
    not_word = citizen.upload(
        path,
        archive.getvalue(),
        filename="tilbud.docx",
        mimetype=("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    )
    assert not_word.status_code == 422 and not_word.json["code"] == "application.attachment_type"
    mp4 = citizen.upload(
        path, b"\x00\x00\x00\x18ftypisom" + b"0" * 20, filename="x.heic", mimetype="image/heic"
    )
    assert mp4.status_code == 422
    unknown = citizen.upload(path, PDF, requirement="passport")
    assert unknown.status_code == 422
    uploaded = citizen.upload(path, PDF)
    assert uploaded.status_code == 201
    content_path = f"/api/applications/{app_id}/documents/{uploaded.json['id']}/content"
    download = citizen.get(content_path)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "private, no-store"
    assert other.get(content_path).status_code == 404


def test_internal_notes_are_visible_to_the_case_system_but_never_to_the_citizen(platform):
    citizen, case_system = platform.citizen(), platform.case_system()
    app_id = fill_and_submit(citizen)
    for title, direction in (("Journalnotat", "internal"), ("Brev til borger", "outgoing")):
        assert (
            case_system.post(
                f"/api/applications/{app_id}/documents",
                {"title": title, "direction": direction, "document_date": date.today().isoformat()},
            ).status_code
            == 201
        )
    seen_by_citizen = [
        d["title"] for d in citizen.get(f"/api/applications/{app_id}/documents").json
    ]
    assert "Journalnotat" not in seen_by_citizen and "Brev til borger" in seen_by_citizen
    homecare = platform.staff("homecare")
    platform.visit(homecare, citizen.subject)
    # A visit shows home care the case exists, never its documents, least of all notes.
    assert homecare.get(f"/api/applications/{app_id}/documents").status_code == 404
    assert "Journalnotat" in [
        d["title"] for d in case_system.get(f"/api/applications/{app_id}/documents").json
    ]


def test_case_actions_need_the_scope_and_follow_the_lifecycle(platform):
    citizen = platform.citizen()
    app_id = fill_and_submit(citizen)
    reader = platform.case_system(scopes=("applications:read",))
    refused = reader.post(f"/api/applications/{app_id}/case-actions", {"action": "start_review"})
    assert refused.status_code == 403 and refused.json["code"] == "auth.missing_scope"
    assert (
        citizen.post(
            f"/api/applications/{app_id}/case-actions", {"action": "start_review"}
        ).status_code
        == 403
    )
    case_system = platform.case_system()
    early = case_system.post(
        f"/api/applications/{app_id}/case-actions",
        {"action": "decide", "outcome": "granted", "letter_title": "Afgørelse"},
    )
    assert early.status_code == 409 and early.json["code"] == "application.illegal_transition"
    incomplete = case_system.post(
        f"/api/applications/{app_id}/case-actions", {"action": "request_information"}
    )
    assert incomplete.status_code == 422 and set(incomplete.json["errors"]) == {
        "deadline",
        "message",
    }
    case_system.post(f"/api/applications/{app_id}/case-actions", {"action": "start_review"})
    past = case_system.post(
        f"/api/applications/{app_id}/case-actions",
        {"action": "request_information", "deadline": "2020-01-01", "message": "x"},
    )
    assert past.status_code == 422 and past.json["code"] == "application.deadline_in_past"
    case_system.post(
        f"/api/applications/{app_id}/case-actions",
        {"action": "decide", "outcome": "refused", "letter_title": "Afslag"},
    )
    paid = case_system.post(
        f"/api/applications/{app_id}/case-actions",
        {"action": "pay", "amount_ore": 100, "paid_on": date.today().isoformat()},
    )
    assert paid.status_code == 409 and paid.json["code"] == "application.payment_not_due"
    late = citizen.post(f"/api/applications/{app_id}/withdraw")
    assert late.status_code == 409 and late.json["code"] == "application.illegal_transition"


def test_a_citizen_may_withdraw_before_the_decision(platform):
    citizen = platform.citizen()
    app_id = fill_and_submit(citizen)
    withdrawn = citizen.post(f"/api/applications/{app_id}/withdraw", {"reason": "Fik hjælp"})
    assert withdrawn.json["state"] == "withdrawn"
    assert platform.events(app_id)[-1].type == ev.WITHDRAWN
    assert (
        citizen.patch(
            f"/api/applications/{app_id}/answers",
            {"answers": {"wealth": 1}},
            {"If-Match": withdrawn.headers["ETag"]},
        ).json["code"]
        == "application.not_editable"
    )


def test_unknown_fields_types_and_bodies_get_clear_errors(platform):
    citizen = platform.citizen()
    unknown_type = citizen.post("/api/applications", {"type": "lottery"})
    assert (
        unknown_type.status_code == 422 and unknown_type.json["code"] == "application.unknown_type"
    )
    unknown_field = citizen.post(
        "/api/applications", {"type": "testhjaelp", "answers": {"shoe_size": 44}}
    )
    assert unknown_field.json["code"] == "application.unknown_field"
    cpr_as_id = platform.staff("homecare").get("/api/applications?citizen_id=0101801234")
    assert cpr_as_id.status_code == 422
    assert cpr_as_id.json["code"] == "application.citizen_id_invalid"
    bad_body = citizen.post("/api/applications", {"typo": "testhjaelp"})
    assert bad_body.status_code == 422 and bad_body.json["code"] == "request.invalid_body"
    english = citizen.post("/api/applications", {"type": "lottery"}, {"Accept-Language": "en"})
    assert english.json["title"] == "No such type of application"
    anonymous = citizen.client.get("/api/applications")
    assert anonymous.status_code == 401 and anonymous.json["code"] == "auth.token_missing"


def test_no_data_is_fetched_without_a_valid_consent(platform):
    citizen = platform.citizen()
    app_id = create(citizen).json["id"]
    path = f"/api/applications/{app_id}/fetches/income"
    refused = citizen.post(path)
    assert refused.status_code == 403 and refused.json["code"] == "application.consent_missing"
    assert platform.source.calls == 0

    consent_id = platform.give_consent(citizen.subject, case_ref=app_id)
    fetched = citizen.post(path)
    assert fetched.status_code == 200, fetched.json
    assert isinstance(fetched.json["answers"]["wealth"], int)  # prefilled from the register
    assert platform.events(app_id)[-1].data["consent_id"] == consent_id

    platform.withdraw_consent(citizen.subject, consent_id)
    assert citizen.post(path).json["code"] == "application.consent_missing"
    assert platform.source.calls == 1


def test_a_consent_for_another_case_or_purpose_does_not_count(platform):
    citizen = platform.citizen()
    app_id = create(citizen).json["id"]
    platform.give_consent(citizen.subject, case_ref="another-case")
    platform.give_consent(citizen.subject, purpose="something.else")
    platform.give_consent(citizen.subject, case_ref=app_id, expires_in_days=-1)
    assert citizen.post(f"/api/applications/{app_id}/fetches/income").status_code == 403


def test_a_withdrawal_during_the_fetch_wins_and_nothing_fetched_is_kept(platform):
    citizen = platform.citizen()
    app_id = create(citizen).json["id"]
    consent_id = platform.give_consent(citizen.subject, case_ref=app_id)
    platform.source.before_return = lambda: platform.withdraw_consent(citizen.subject, consent_id)
    response = citizen.post(f"/api/applications/{app_id}/fetches/income")
    assert response.status_code == 409
    assert response.json["code"] == "application.consent_withdrawn"
    assert citizen.get(f"/api/applications/{app_id}").json["answers"] == {}
    assert ev.DATA_FETCHED not in [e.type for e in platform.events(app_id)]
