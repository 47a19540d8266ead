"""Sending: retries with backoff, permanent failure with fallback, Digital Post or paper,
quiet hours for SMS, rate limits, provider callbacks, and an event for every state change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.sender import TokenBucket
from tests.notifications.builders import Case


@pytest.fixture
def s(sqlite_service):
    return sqlite_service


def statuses(message: dict) -> list[str]:
    return [h["status"] for h in message["history"]]


def test_a_provider_that_fails_twice_then_succeeds_delivers_once_after_backoff(s):
    case = Case()
    s.contact(case.citizen_id, email="anna@example.dk")
    s.deliver(case.submitted())
    s.providers["email"].fail_next(2)
    assert s.send() == 1
    assert s.send() == 0  # not before the backoff has passed
    s.clock.advance(seconds=30)
    assert s.send() == 1
    s.clock.advance(seconds=59)
    assert s.send() == 0  # the second wait is twice as long
    s.clock.advance(seconds=1)
    assert s.send() == 1
    [message] = s.messages(case.citizen_id)
    assert message["status"] == "delivered" and message["attempts"] == 3
    assert statuses(message) == [
        "created",
        "sending",
        "temporary_failure",
        "sending",
        "temporary_failure",
        "sending",
        "delivered",
    ]
    assert len(s.providers["email"].sent) == 1
    assert s.event_types(message["id"]) == [
        "created",
        "sending",
        "failed",
        "sending",
        "failed",
        "sending",
        "delivered",
    ]


def test_a_permanent_failure_on_email_falls_back_to_digital_post(s):
    case = Case()
    s.contact(case.citizen_id, email="bounces@example.dk")
    s.deliver(case.submitted())
    s.providers["email"].fail_next(permanent=True)
    s.send()
    (email,) = [m for m in s.messages(case.citizen_id) if m["channel"] == "email"]
    assert email["status"] == "permanent_failure" and email["reason"] == "email.rejected"
    (post,) = [m for m in s.messages(case.citizen_id) if m["channel"] == "digital_post"]
    assert post["fallback_of"] == email["id"] and post["body"] == email["body"]
    s.send()
    assert s.messages(case.citizen_id)[0]["status"] in ("delivered", "permanent_failure")
    assert [m["status"] for m in s.messages(case.citizen_id) if m["channel"] == "digital_post"] == [
        "delivered"
    ]
    failed = next(e for e in s.events() if e.type.endswith("failed.v1"))
    assert failed.data["permanent"] and failed.data["fallback_to"] == "digital_post"


def test_retries_that_run_out_count_as_permanent_and_fall_back(s):
    case = Case()
    s.contact(case.citizen_id, phone="+4512345678", channels=["sms"])
    s.deliver(case.submitted())
    s.providers["sms"].fail_next(6)
    for _ in range(6):
        s.send()
        s.clock.advance(hours=1)
    (sms,) = [m for m in s.messages(case.citizen_id) if m["channel"] == "sms"]
    assert sms["status"] == "permanent_failure" and sms["reason"] == "retries_exhausted"
    assert sms["attempts"] == 6
    assert any(m["channel"] == "digital_post" for m in s.messages(case.citizen_id))


def test_a_citizen_exempt_from_digital_post_gets_a_physical_letter(s):
    case = Case()
    s.contact(case.citizen_id, digital_post_exempt=True)
    s.deliver(case.submitted(), case.decided())
    assert {m["channel"] for m in s.messages(case.citizen_id)} == {"letter"}
    s.send()
    sent = s.providers["sf1601"].sent_to(case.citizen_id)
    assert {m.channel for m in sent} == {"letter"} and len(sent) == 2


def test_no_sms_at_night_queued_until_eight_in_the_morning_copenhagen_time(s):
    s.clock.now = datetime(2026, 11, 3, 21, 30, tzinfo=UTC)  # 22:30 in Copenhagen
    case = Case()
    s.contact(case.citizen_id, phone="+4512345678")
    s.deliver(case.submitted(), case.information_requested())
    sms = [m for m in s.messages(case.citizen_id) if m["channel"] == "sms"]
    morning = datetime(2026, 11, 4, 7, 0, tzinfo=UTC)  # 08:00 in Copenhagen (CET)
    # The receipt (SMS: the only address) and the heads-up both wait for the morning.
    assert [m["next_attempt_at"] for m in sms] == [morning, morning]
    s.send()  # the letters go at once
    assert not s.providers["sms"].sent
    s.clock.now = morning - timedelta(minutes=1)
    assert s.send() == 0
    s.clock.now = morning
    assert s.send() == 2
    assert len(s.providers["sms"].sent) == 2


def test_the_provider_rate_limit_holds_back_what_is_over_it_until_the_next_round(s):
    cases = [Case() for _ in range(5)]
    for case in cases:
        s.deliver(case.submitted())
    ticks = [0.0]
    bucket = TokenBucket(rate=1.0, burst=2, monotonic=lambda: ticks[0])
    sender = s.sender(limits={"sf1601": bucket})
    assert sender.run_once() == 2
    assert sender.run_once() == 0
    ticks[0] += 3.0
    assert sender.run_once() == 2
    assert len(s.providers["sf1601"].sent) == 4


def test_callbacks_confirm_delivery_once_and_refuse_impossible_changes(s):
    case = Case()
    s.contact(case.citizen_id, email="anna@example.dk")
    s.deliver(case.submitted())
    s.providers["email"].confirm_later()
    s.send()
    [message] = s.messages(case.citizen_id)
    assert message["status"] == "sending"
    with s.engine.connect() as conn:
        from services.notifications import store

        ref = store.message(conn, message["id"]).provider_ref
    gateway = s.machine("notifications:callback")
    first = gateway.post("/callbacks/email", {"provider_ref": ref, "status": "delivered"})
    assert first.status_code == 200 and first.json["status"] == "delivered"
    again = gateway.post("/callbacks/email", {"provider_ref": ref, "status": "delivered"})
    assert again.status_code == 200 and statuses(again.json).count("delivered") == 1
    bounce = gateway.post(
        "/callbacks/email", {"message_id": message["id"], "status": "permanent_failure"}
    )
    assert bounce.status_code == 409 and bounce.json["code"] == "notification.invalid_transition"
    wrong = gateway.post("/callbacks/sms", {"provider_ref": ref, "status": "delivered"})
    assert wrong.status_code == 404 and wrong.json["code"] == "notification.not_found"
    assert s.event_types(message["id"]) == ["created", "sending", "delivered"]


def test_a_temporary_failure_reported_by_callback_is_retried(s):
    case = Case()
    s.contact(case.citizen_id, email="anna@example.dk")
    s.deliver(case.submitted())
    s.providers["email"].confirm_later()
    s.send()
    [message] = s.messages(case.citizen_id)
    gateway = s.machine("notifications:callback")
    response = gateway.post(
        "/callbacks/email",
        {
            "message_id": message["id"],
            "status": "temporary_failure",
            "reason": "email.mailbox_full",
        },
    )
    assert response.json["status"] == "temporary_failure"
    s.clock.advance(minutes=1)
    assert s.send() == 1
    assert s.messages(case.citizen_id)[0]["status"] == "delivered"


def test_an_address_removed_before_sending_is_a_permanent_failure_with_fallback(s):
    case = Case()
    s.contact(case.citizen_id, email="anna@example.dk")
    s.deliver(case.submitted())
    s.contact(case.citizen_id, email=None)
    s.send()
    email = next(m for m in s.messages(case.citizen_id) if m["channel"] == "email")
    assert email["reason"] == "recipient.no_address"
    assert not s.providers["email"].sent
