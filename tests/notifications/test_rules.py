"""Every rule from event to message: who is told what, on which channel, exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kit.consumer import PermanentError
from services.notifications.rules import RULES
from services.notifications.services import active_rules
from tests.notifications.builders import (
    CASEWORKER,
    T0,
    Case,
    consent_expired,
    consent_given,
    consent_withdrawn,
    person,
    proxy_granted,
    proxy_revoked,
)


def summary(messages: list[dict]) -> set[tuple[str, str, str]]:
    return {(m["recipient_role"], m["channel"], m["template_id"]) for m in messages}


@pytest.fixture
def s(sqlite_service):
    return sqlite_service


def test_submitted_application_gives_a_receipt_by_email_when_the_citizen_has_one(s):
    case = Case()
    s.contact(case.citizen_id, email="anna@example.dk")
    s.deliver(case.submitted())
    [message] = s.messages(case.citizen_id)
    assert (message["recipient_role"], message["channel"], message["template_id"]) == (
        "citizen",
        "email",
        "application_receipt",
    )
    assert case.case_number in message["subject"]
    assert "Hjælpemidler" in message["body"] and "${" not in message["body"]


def test_receipt_goes_to_digital_post_for_a_citizen_without_email_or_phone(s):
    case = Case()
    s.deliver(case.submitted())
    assert summary(s.messages(case.citizen_id)) == {
        ("citizen", "digital_post", "application_receipt")
    }


def test_information_request_is_a_letter_plus_an_sms_heads_up_with_the_deadline(s):
    case = Case()
    s.contact(case.citizen_id, phone="+4512345678")
    s.deliver(case.submitted(), case.information_requested())
    messages = [
        m
        for m in s.messages(case.citizen_id)
        if m["trigger_type"].endswith("information_requested.v1")
    ]
    assert summary(messages) == {
        ("citizen", "digital_post", "information_requested"),
        ("citizen", "sms", "information_requested_sms"),
    }
    letter = next(m for m in messages if m["channel"] == "digital_post")
    assert "17. november 2026" in letter["body"] and "lægeerklæring" in letter["body"]


def test_information_request_without_a_phone_gives_the_letter_only(s):
    case = Case()
    s.deliver(case.submitted(), case.information_requested())
    kinds = summary(s.messages(case.citizen_id))
    assert ("citizen", "digital_post", "information_requested") in kinds
    assert not any(channel == "sms" for _, channel, _ in kinds)


def test_decision_goes_to_digital_post_in_the_citizens_language(s):
    case = Case()
    s.contact(case.citizen_id, email="a@example.dk", language="en")
    s.deliver(case.submitted(), case.decided("partly_granted"))
    [decision] = [m for m in s.messages(case.citizen_id) if m["template_id"] == "decision_letter"]
    assert decision["channel"] == "digital_post" and decision["language"] == "en"
    assert "partly granted" in decision["body"]


def test_status_update_only_when_the_status_says_notify_and_no_other_rule_covers_it(s):
    case = Case()
    s.deliver(
        case.submitted(),
        case.status_changed("under_review", notify=False),
        case.status_changed("awaiting_citizen"),
        case.status_changed("paid_out"),
    )
    updates = [m for m in s.messages(case.citizen_id) if m["template_id"] == "status_update"]
    assert len(updates) == 1
    assert "Hjælpemidlet er leveret." in updates[0]["body"]


def test_withdrawn_application_tells_the_caseworker_by_email(s):
    case = Case()
    s.deliver(case.submitted(), case.status_changed("under_review", notify=False))
    caseworker = CASEWORKER.id
    s.contact(caseworker, email="dorte@kommune.dk")
    s.deliver(case.withdrawn())
    staff = [m for m in s.messages(case.citizen_id) if m["recipient_role"] == "staff"]
    assert summary(staff) == {("staff", "email", "application_withdrawn_staff")}
    assert staff[0]["recipient_id"] == caseworker


def test_consent_given_withdrawn_and_expired_each_tell_the_citizen(s):
    citizen, consent_id = person(), None
    given = consent_given(citizen, T0 + timedelta(days=365))
    consent_id = given.data["consent_id"]
    second = consent_given(citizen, T0 + timedelta(days=365))
    s.deliver(
        given,
        consent_withdrawn(citizen, consent_id),
        second,
        consent_expired(citizen, second.data["consent_id"]),
    )
    templates = sorted(m["template_id"] for m in s.messages(citizen))
    assert templates == ["consent_expired", "consent_given", "consent_given", "consent_withdrawn"]
    withdrawn = next(m for m in s.messages(citizen) if m["template_id"] == "consent_withdrawn")
    assert "vurdering af hjemmehjælp" in withdrawn["body"]


def test_consent_about_to_expire_reminds_the_citizen_and_proxy_once(s):
    from services.notifications.reminders import ConsentReminders

    citizen, agent = person(), person()
    s.deliver(proxy_granted(citizen, agent), consent_given(citizen, T0 + timedelta(days=30)))
    reminders = ConsentReminders(s.notifications)
    assert reminders.run_once() == 0  # 30 days left: not yet
    s.clock.advance(days=17)
    assert reminders.run_once() == 1
    assert reminders.run_once() == 0
    expiring = [m for m in s.messages(citizen) if m["template_id"] == "consent_expiring"]
    assert {m["recipient_role"] for m in expiring} == {"citizen", "proxy"}
    assert "3. december 2026" in expiring[0]["body"]


def test_proxies_with_messages_read_get_their_own_copy_until_revoked(s):
    case = Case()
    reader, other = person(), person()
    grant = proxy_granted(case.citizen_id, reader)
    s.deliver(
        grant,
        proxy_granted(case.citizen_id, other, scopes=("applications.read",)),
        case.submitted(),
    )
    receipts = s.messages(case.citizen_id)
    assert {(m["recipient_role"], m["recipient_id"]) for m in receipts} == {
        ("citizen", case.citizen_id),
        ("proxy", reader),
    }
    s.deliver(proxy_revoked(grant), case.decided())
    decisions = [m for m in s.messages(case.citizen_id) if m["template_id"] == "decision_letter"]
    assert [m["recipient_role"] for m in decisions] == ["citizen"]


def test_a_duplicate_event_gives_one_message_per_recipient_and_channel(s):
    case = Case()
    submitted = case.submitted()
    s.deliver(submitted, submitted)
    # Even past the inbox (a replay under another consumer name), the unique key holds.
    with s.engine.begin() as conn:
        s.notifications.take_event(conn, submitted)
    assert len(s.messages(case.citizen_id)) == 1
    created = [e for e in s.events() if e.type.endswith("notification.created.v1")]
    assert len(created) == 1


def test_an_event_no_rule_covers_gives_no_message(s):
    case = Case()
    s.deliver(case.event("dk.selvbetjening.application.created.v1", title="x", channel="portal"))
    assert s.messages(case.citizen_id) == []


def test_a_message_that_cannot_be_filled_in_is_refused_not_sent_with_a_gap(s):
    case = Case()  # no submitted event: the local view has no title for this case
    with pytest.raises(PermanentError):
        s.deliver(case.decided())
    assert s.messages(case.citizen_id) == []


def test_every_rule_in_the_table_is_exercised_by_these_tests():
    covered = {
        "application.receipt",
        "application.information_requested",
        "application.information_requested.sms",
        "application.decision",
        "application.status_update",
        "application.withdrawn.caseworker",
        "consent.given",
        "consent.withdrawn",
        "consent.expired",
        "consent.expiring",
        # test_appointments.py
        "appointment.booked",
        "appointment.moved",
        "appointment.cancelled",
        "appointment.reminder",
        # test_video_link_renewed.py
        "appointment.video_link_renewed",
    }
    assert {rule["id"] for rule in RULES} == covered
    assert {rule.id for rule in active_rules()} == covered  # all in force, none switched off
