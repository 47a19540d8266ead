"""The HTTP API: history for citizens (their own) and staff, preferences, OpenAPI."""

from __future__ import annotations

from tests.builders import make_visit_event
from tests.notifications.builders import Case, person, proxy_granted


def test_a_citizen_sees_the_messages_sent_to_them_and_no_one_elses(service):
    case, other = Case(), Case()
    service.deliver(case.submitted(), other.submitted())
    service.send()
    citizen = service.citizen(case.citizen_id)
    mine = citizen.get("/me/messages")
    assert mine.status_code == 200
    [message] = mine.json["messages"]
    assert message["status"] == "delivered" and case.case_number in message["subject"]
    assert [h["status"] for h in message["history"]] == ["created", "sending", "delivered"]
    assert mine.headers.get("X-Data-Subjects") == case.citizen_id
    theirs = service.messages(other.citizen_id)[0]["id"]
    refused = citizen.get(f"/messages/{theirs}")
    assert refused.status_code == 404 and refused.json["code"] == "notification.not_found"
    assert citizen.get(f"/messages/{message['id']}").json["id"] == message["id"]


def test_staff_see_what_a_citizen_and_their_proxy_were_told_and_when(service):
    case, agent = Case(), person()
    service.deliver(proxy_granted(case.citizen_id, agent), case.submitted())
    caseworker = service.staff("caseworker")
    unrelated = caseworker.get("/messages", query_string={"citizen_id": case.citizen_id})
    assert unrelated.status_code == 404  # staff see a citizen only through a relation
    service.deliver(make_visit_event(caseworker.id, case.citizen_id, service.clock()))
    told = caseworker.get("/messages", query_string={"citizen_id": case.citizen_id})
    assert told.status_code == 200
    assert {m["recipient_role"] for m in told.json["messages"]} == {"citizen", "proxy"}
    assert all(m["created_at"] for m in told.json["messages"])
    assert caseworker.get("/messages").json["code"] == "notification.citizen_required"
    assert (
        service.staff("gardener")
        .get("/messages", query_string={"citizen_id": case.citizen_id})
        .status_code
        == 403
    )
    assert (
        service.citizen(case.citizen_id)
        .get("/messages", query_string={"citizen_id": case.citizen_id})
        .status_code
        == 403
    )


def test_a_citizen_sets_language_and_channels_and_the_next_message_follows_them(service):
    case = Case()
    citizen = service.citizen(case.citizen_id)
    saved = citizen.put(
        "/me/preferences",
        {"language": "en", "channels": ["sms"], "phone": "+4512345678", "email": "anna@example.dk"},
    )
    assert saved.status_code == 200 and saved.json["digital_post_exempt"] is False
    assert citizen.get("/me/preferences").json["channels"] == ["sms"]
    service.deliver(case.submitted())
    [message] = service.messages(case.citizen_id)
    assert (message["channel"], message["language"]) == ("sms", "en")
    refused = citizen.put("/me/preferences", {"channels": ["pigeon"], "digital_post_exempt": True})
    assert refused.status_code == 422 and refused.json["code"] == "request.invalid_body"


def test_calls_without_a_valid_token_or_scope_are_refused(service):
    anonymous = service.app.test_client().get("/api/notifications/me/messages")
    assert anonymous.status_code == 401 and anonymous.json["code"] == "auth.token_missing"
    wrong = service.machine("applications:case").post(
        "/callbacks/email", {"message_id": "x", "status": "delivered"}
    )
    assert wrong.status_code == 403 and wrong.json["code"] == "auth.missing_scope"
    nothing = service.machine("notifications:callback").post(
        "/callbacks/email", {"status": "delivered"}
    )
    assert nothing.json["code"] == "notification.message_required"


def test_staff_read_the_rules_and_templates(sqlite_service):
    caseworker = sqlite_service.staff("caseworker")
    rules = caseworker.get("/rules").json["rules"]
    assert {"application.receipt", "consent.expiring"} <= {r["id"] for r in rules}
    templates = caseworker.get("/templates").json["templates"]
    assert all(t["current_version"] == 1 for t in templates)
    assert caseworker.get("/templates/decision_letter").json["fields"]
