"""A video visit's join link revoked by staff (docs/video.md): the citizen gets the new link
at once, once, and the old one is not in the message."""

from __future__ import annotations

import pytest

from schemas.events.appointments import VIDEO_LINK_REVOKED
from tests.notifications.builders import Appointment


@pytest.fixture
def s(sqlite_service):
    return sqlite_service


def test_the_citizen_gets_the_new_join_link_once(s):
    visit = Appointment("video_visit")
    old_link = visit.video_url
    s.contact(visit.citizen_id, phone="+4512345678")
    s.deliver(visit.booked())
    visit.video_url = "https://selvbetjening.kommune.dk/video/j/new-token-abc"
    renewed = visit.event(VIDEO_LINK_REVOKED, revoked_by="sagsbehandler-dorte")
    s.deliver(renewed, renewed)  # delivered twice: one message
    [sms] = [m for m in s.messages(visit.citizen_id) if m["template_id"] == "video_link_renewed"]
    assert sms["channel"] == "sms"
    assert sms["subject"].startswith("Nyt link: videomøde ")
    assert (
        "Brug dette link til mødet: https://selvbetjening.kommune.dk/video/j/new-token-abc"
        in (sms["body"])
    )
    assert old_link not in sms["body"]
