"""A replayed Idempotency-Key answers only a caller who may still see what the first answer
showed: a proxy revoked after booking gets no copy of the booking by replaying the request."""

from __future__ import annotations

from kit.inbox import handle_once
from schemas.events import consents as consent_events
from services.appointments.handlers import GROUP, on_proxy_event
from tests.appointments.builders import booking
from tests.appointments.test_api import MONDAY_0800, _proxy_event


def test_a_replay_by_a_proxy_who_lost_the_power_of_attorney_is_refused(service):
    service.offer(staff_ids=["nurse-a"])
    mother, son = service.citizen(), service.citizen()
    handle = handle_once(service.engine, GROUP, on_proxy_event)
    scopes = ["appointments.read", "appointments.book"]
    now = service.clock.now
    handle(_proxy_event(consent_events.PROXY_GRANTED, mother.id, son.id, "p-9", scopes, now))
    key = {"Idempotency-Key": "tablet-retry-1"}
    request = booking(MONDAY_0800, citizen_id=mother.id)
    first = son.post("/appointments", request, headers=key)
    assert first.status_code == 201, first.json
    replayed = son.post("/appointments", request, headers=key)
    assert replayed.headers.get("Idempotent-Replayed") == "true"

    handle(_proxy_event(consent_events.PROXY_REVOKED, mother.id, son.id, "p-9", [], now))
    refused = son.post("/appointments", request, headers=key)

    assert refused.status_code == 404, refused.json
    assert refused.json["code"] == "appointment.not_found"
    assert mother.id not in refused.get_data(as_text=True)
    assert "Idempotent-Replayed" not in refused.headers
