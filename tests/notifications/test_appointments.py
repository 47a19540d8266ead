"""Appointment messages: booked, moved, cancelled and reminded, each on the right channel, once,
saying what, when (Copenhagen time, summer or winter) and where, never the address or a CPR."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from kit.consumer import PermanentError
from services.notifications.domain import local_time
from services.notifications.templates import TEMPLATES
from tests.notifications.builders import (
    SUMMER_VISIT,
    WINTER_VISIT,
    Appointment,
    person,
    proxy_granted,
)

WINTER_DA = "tirsdag den 24. november 2026 kl. 10.30"
WINTER_EN = "Tuesday 24 November 2026 at 10:30"
ADDRESS, CPR = "Nørregade 7, 2. tv.", "0101901234"


@pytest.fixture
def s(sqlite_service):
    return sqlite_service


def summary(messages: list[dict]) -> set[tuple[str, str, str]]:
    return {(m["recipient_role"], m["channel"], m["template_id"]) for m in messages}


def only(messages: list[dict], template_id: str) -> dict:
    [message] = [m for m in messages if m["template_id"] == template_id]
    return message


# Each event, its message, its channel ---------------------------------------------------------


@pytest.mark.parametrize(
    "contact, channel",
    [
        ({"phone": "+4512345678", "email": "anna@example.dk"}, "sms"),  # the rule's first choice
        ({"email": "anna@example.dk"}, "email"),
        ({}, "digital_post"),
        ({"digital_post_exempt": True}, "letter"),
        ({"phone": "+4512345678", "email": "anna@example.dk", "channels": ["email"]}, "email"),
    ],
)
def test_a_booked_appointment_gives_one_message_on_the_right_channel(s, contact, channel):
    visit = Appointment()
    if contact:
        s.contact(visit.citizen_id, **contact)
    s.deliver(visit.booked())
    assert summary(s.messages(visit.citizen_id)) == {("citizen", channel, "appointment_booked")}


def test_a_booked_home_visit_says_what_when_hos_dig_and_how_to_move_it(s):
    visit = Appointment("home_visit")
    s.contact(visit.citizen_id, phone="+4512345678")
    s.deliver(visit.booked())
    [sms] = s.messages(visit.citizen_id)
    assert sms["language"] == "da" and sms["subject"] == f"Ny aftale: hjemmebesøg {WINTER_DA}"
    assert sms["body"] == (
        f"Der er booket en tid til hjemmebesøg {WINTER_DA}.\n"
        "Vi kommer hjem til dig.\n"
        "Passer tiden ikke? Flyt den på selvbetjeningen, eller kontakt os."
    )


def test_a_booked_video_visit_gives_the_join_link_in_english_for_an_english_reader(s):
    visit = Appointment("video_visit")
    s.contact(visit.citizen_id, email="anna@example.dk", language="en")
    s.deliver(visit.booked())
    [email] = s.messages(visit.citizen_id)
    assert (email["channel"], email["language"]) == ("email", "en")
    assert email["subject"] == f"New appointment: video meeting on {WINTER_EN}"
    assert f"Use this link to join: {visit.video_url}" in email["body"]
    assert "self-service site" in email["body"]


def test_an_office_meeting_names_the_place_when_the_event_carries_it_else_the_portal(s):
    named = Appointment("office_meeting", location="Borgerservice, Rådhuspladsen 1")
    unnamed = Appointment("office_meeting")
    s.deliver(named.booked(), unnamed.booked())
    [with_place] = s.messages(named.citizen_id)
    assert "møde hos kommunen" in with_place["body"]
    assert "Sted: Borgerservice, Rådhuspladsen 1" in with_place["body"]
    [without] = s.messages(unnamed.citizen_id)
    assert "Du kan se, hvor mødet er, på selvbetjeningen." in without["body"]


def test_a_proxy_gets_a_copy_that_does_not_say_we_come_to_their_home(s):
    visit, agent = Appointment("home_visit"), person()
    s.contact(agent, phone="+4587654321")
    s.deliver(proxy_granted(visit.citizen_id, agent), visit.booked())
    messages = s.messages(visit.citizen_id)
    assert summary(messages) == {
        ("citizen", "digital_post", "appointment_booked"),
        ("proxy", "sms", "appointment_booked"),
    }
    proxy = next(m for m in messages if m["recipient_role"] == "proxy")
    assert "Vi kommer hjem til borgeren." in proxy["body"] and "til dig" not in proxy["body"]


def test_a_moved_appointment_names_the_new_time_and_the_old_one(s):
    visit = Appointment("home_visit")
    s.contact(visit.citizen_id, phone="+4512345678")
    s.deliver(visit.booked(), visit.moved(datetime(2026, 11, 26, 12, 0, tzinfo=UTC)))
    moved = only(s.messages(visit.citizen_id), "appointment_moved")
    assert moved["channel"] == "sms"
    assert moved["subject"] == "Ny tid: hjemmebesøg torsdag den 26. november 2026 kl. 13.00"
    assert "Ny tid: torsdag den 26. november 2026 kl. 13.00." in moved["body"]
    assert f"Den gamle tid var {WINTER_DA}. Den gælder ikke længere." in moved["body"]
    assert "Vi kommer hjem til dig." in moved["body"]


def test_a_moved_appointment_in_english_names_both_times(s):
    visit = Appointment("video_visit")
    s.contact(visit.citizen_id, email="anna@example.dk", language="en")
    s.deliver(visit.moved(datetime(2026, 11, 26, 12, 0, tzinfo=UTC)))
    [moved] = s.messages(visit.citizen_id)
    assert "New time: Thursday 26 November 2026 at 13:00." in moved["body"]
    assert f"The old time was {WINTER_EN}." in moved["body"]


def test_a_cancelled_appointment_says_which_one_and_how_to_get_a_new_time(s):
    visit, agent = Appointment("home_visit"), person()
    s.contact(visit.citizen_id, phone="+4512345678")
    s.deliver(
        proxy_granted(visit.citizen_id, agent),
        visit.booked(),
        visit.cancelled(reason="Sygeplejersken er syg"),
    )
    cancelled = [
        m for m in s.messages(visit.citizen_id) if m["template_id"] == "appointment_cancelled"
    ]
    assert summary(cancelled) == {
        ("citizen", "sms", "appointment_cancelled"),
        ("proxy", "digital_post", "appointment_cancelled"),
    }
    sms = next(m for m in cancelled if m["channel"] == "sms")
    assert sms["body"] == (
        f"Aftalen om hjemmebesøg {WINTER_DA} er aflyst.\n"
        "Har du brug for en ny tid? Book den på selvbetjeningen, eller "
        "kontakt os."
    )
    assert "syg" not in sms["body"]  # the free-text reason is the staff's, not for an SMS


def test_a_due_reminder_gives_the_citizen_a_reminder_and_not_the_proxy(s):
    visit, agent = Appointment("home_visit"), person()
    s.contact(visit.citizen_id, phone="+4512345678")
    s.contact(agent, phone="+4587654321")
    s.deliver(proxy_granted(visit.citizen_id, agent), visit.reminder_due())
    [reminder] = s.messages(visit.citizen_id)
    assert (reminder["recipient_role"], reminder["channel"], reminder["template_id"]) == (
        "citizen",
        "sms",
        "appointment_reminder",
    )
    assert reminder["body"] == (
        f"Husk din aftale: hjemmebesøg {WINTER_DA}.\n"
        "Vi kommer hjem til dig.\n"
        "Passer tiden ikke alligevel? Kontakt os så hurtigt som muligt."
    )
    assert s.send() == 1
    assert s.messages(visit.citizen_id)[0]["status"] == "delivered"


def test_a_reminder_goes_by_email_or_not_at_all_never_as_a_letter(s, caplog):
    by_email, unreachable = Appointment(), Appointment()
    s.contact(by_email.citizen_id, email="anna@example.dk")
    with caplog.at_level(logging.WARNING):
        s.deliver(by_email.reminder_due(), unreachable.reminder_due())
    assert summary(s.messages(by_email.citizen_id)) == {
        ("citizen", "email", "appointment_reminder")
    }
    assert s.messages(unreachable.citizen_id) == []
    assert "no channel reaches" not in caplog.text  # expected, so no warning


# Exactly once ---------------------------------------------------------------------------------


def test_a_duplicate_appointment_event_gives_one_message(s):
    visit = Appointment()
    s.contact(visit.citizen_id, phone="+4512345678")
    booked, reminder = visit.booked(), visit.reminder_due()
    s.deliver(booked, booked, reminder, reminder)
    with s.engine.begin() as conn:  # a replay past the inbox: the unique key still holds
        s.notifications.take_event(conn, booked)
        s.notifications.take_event(conn, reminder)
    assert sorted(m["template_id"] for m in s.messages(visit.citizen_id)) == [
        "appointment_booked",
        "appointment_reminder",
    ]
    created = [e for e in s.events() if e.type.endswith("notification.created.v1")]
    assert len(created) == 2


# Copenhagen time, summer and winter -----------------------------------------------------------


def test_local_time_in_winter_is_utc_plus_one(s):
    visit = Appointment(starts_at=WINTER_VISIT)  # 09:30 UTC
    s.deliver(visit.booked())
    assert "tirsdag den 24. november 2026 kl. 10.30" in s.messages(visit.citizen_id)[0]["body"]


def test_local_time_in_summer_is_utc_plus_two(s):
    visit = Appointment(starts_at=SUMMER_VISIT)  # 08:30 UTC
    s.deliver(visit.booked())
    assert "tirsdag den 16. juni 2026 kl. 10.30" in s.messages(visit.citizen_id)[0]["body"]


@pytest.mark.parametrize(
    "instant, da, en",
    [
        (
            datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
            "søndag den 29. marts 2026 kl. 1.30",
            "Sunday 29 March 2026 at 1:30",
        ),  # before the clocks go forward
        (
            datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
            "søndag den 29. marts 2026 kl. 3.30",
            "Sunday 29 March 2026 at 3:30",
        ),  # after
        (
            datetime(2026, 10, 24, 22, 5, tzinfo=UTC),
            "søndag den 25. oktober 2026 kl. 0.05",
            "Sunday 25 October 2026 at 0:05",
        ),  # summer time, the next day locally
        (
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            "søndag den 25. oktober 2026 kl. 2.30",
            "Sunday 25 October 2026 at 2:30",
        ),  # winter time again
        (
            datetime.fromisoformat("2026-12-31T23:15:00+00:00"),
            "fredag den 1. januar 2027 kl. 0.15",
            "Friday 1 January 2027 at 0:15",
        ),
    ],
)
def test_local_time_is_written_the_danish_way_across_the_clock_changes(instant, da, en):
    assert local_time(instant, "da") == da
    assert local_time(instant, "en") == en


def test_a_time_without_a_zone_is_refused_not_guessed():
    with pytest.raises(ValueError):
        local_time(datetime(2026, 11, 24, 10, 30), "da")


# Data minimisation and refusals ---------------------------------------------------------------


def test_no_address_or_cpr_in_messages_events_or_logs_even_if_an_event_carried_them(s, caplog):
    # The appointment events carry neither; should a producer ever add them, they go nowhere.
    visit = Appointment("home_visit", address=ADDRESS, citizen_cpr=CPR)
    s.contact(visit.citizen_id, phone="+4512345678")
    with caplog.at_level(logging.DEBUG):
        s.deliver(
            visit.booked(),
            visit.moved(datetime(2026, 11, 26, 12, 0, tzinfo=UTC)),
            visit.reminder_due(),
            visit.cancelled(),
        )
        s.send()
    messages = s.messages(visit.citizen_id)
    assert len(messages) == 4
    text = " ".join(m["subject"] + m["body"] for m in messages)
    published = " ".join(str(e.data) for e in s.events())
    for secret in (ADDRESS, "Nørregade", CPR):
        assert secret not in text and secret not in published and secret not in caplog.text


def test_an_appointment_event_that_cannot_be_filled_in_is_refused_not_sent_with_a_gap(s):
    visit = Appointment()
    broken = visit.booked()
    broken.data["starts_at"] = "2026-11-24T10:30:00"  # no offset: which 10:30?
    with pytest.raises(PermanentError):
        s.deliver(broken)
    assert s.messages(visit.citizen_id) == []


# Templates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template_id",
    ["appointment_booked", "appointment_moved", "appointment_cancelled", "appointment_reminder"],
)
def test_appointment_templates_are_short_and_never_ask_for_an_address(template_id):
    spec = TEMPLATES[template_id]
    assert not {f for f in spec["fields"] if "address" in f or "cpr" in f}
    for language in ("da", "en"):
        assert len(spec[language]["body"]) < 300  # an SMS of a few parts, with the fields


def test_preview_of_a_move_writes_iso_times_in_copenhagen_time(sqlite_service):
    caseworker = sqlite_service.staff("caseworker")
    preview = caseworker.post(
        "/templates/appointment_moved/preview",
        {
            "language": "da",
            "values": {
                "appointment_kind": "home_visit",
                "appointment_time": "2026-06-16T08:30:00Z",
                "previous_time": "2026-11-24T09:30:00+00:00",
                "appointment_place": "Vi kommer hjem til dig.",
            },
        },
    )
    assert preview.status_code == 200, preview.json
    assert preview.json["subject"] == "Ny tid: hjemmebesøg tirsdag den 16. juni 2026 kl. 10.30"
    assert f"Den gamle tid var {WINTER_DA}." in preview.json["body"]
