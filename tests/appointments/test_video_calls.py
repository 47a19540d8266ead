"""Video visits in the appointments service (docs/video.md): who may join and when, the join
link (resolved only while the visit is open, revoked by staff), and the calls the gateway's
signalling reports, recorded on the appointment with events. On both databases."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.appointments.builders import person
from tests.appointments.service import Caller, Service

STAFF_ID = "dorte"


def book_video(service: Service, citizen_id: str, starts_in_minutes: int = 60) -> dict:
    starts = service.clock.now + timedelta(minutes=starts_in_minutes)
    answer = service.book_for(
        STAFF_ID,
        {
            "citizen_id": citizen_id,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(minutes=30)).isoformat(),
            "kind": "video_visit",
            "staff_ids": [STAFF_ID],
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 201, answer.json
    return answer.json


def signalling(service: Service) -> Caller:
    token = service.issuer.machine("gateway-video", ["appointments:video"])
    return Caller(service.app.test_client(), token, "gateway-video")


def token_of(appointment: dict) -> str:
    return appointment["video_url"].rsplit("/", 1)[1]


def test_a_join_link_opens_its_visit_only_from_shortly_before_the_start_until_the_end(service):
    anna = person()
    visit = book_video(service, anna, starts_in_minutes=60)
    gateway = signalling(service)
    early = gateway.post("/video-links/lookup", {"token": token_of(visit)})
    assert early.status_code == 403 and early.json["code"] == "video.not_open_yet"
    assert early.json["citizen_id"] == anna  # so the gateway can audit the refused use
    service.clock.advance(minutes=46)  # 14 minutes before the start
    opened = gateway.post("/video-links/lookup", {"token": token_of(visit)})
    assert opened.status_code == 200, opened.json
    assert opened.json["appointment_id"] == visit["id"] and opened.json["role"] == "guest"
    assert opened.json["citizen_name"] is None  # the link's holder is not told who it is for
    service.clock.advance(minutes=45)  # after the end
    late = gateway.post("/video-links/lookup", {"token": token_of(visit)})
    assert late.status_code == 403 and late.json["code"] == "video.closed"
    unknown = gateway.post("/video-links/lookup", {"token": "no-such-link"})
    assert unknown.status_code == 404 and unknown.json["code"] == "video.link_invalid"


def test_only_the_signalling_may_resolve_links(service):
    visit = book_video(service, person(), starts_in_minutes=5)
    staff = service.staff("caseworker", staff_id=STAFF_ID)
    assert staff.post("/video-links/lookup", {"token": token_of(visit)}).status_code == 403
    other = Caller(
        service.app.test_client(), service.issuer.machine("sagssystem", ["applications:case"]), "x"
    )
    refused = other.post("/video-links/lookup", {"token": token_of(visit)})
    assert refused.status_code == 403 and refused.json["code"] == "auth.missing_scope"


def test_assigned_staff_the_citizen_and_nobody_else_may_join(service):
    anna = person()
    visit = book_video(service, anna, starts_in_minutes=5)
    path = f"/appointments/{visit['id']}/video-access"
    host = service.staff("caseworker", staff_id=STAFF_ID).get(path)
    assert host.status_code == 200 and host.json["role"] == "host"
    assert service.citizen(anna).get(path).json["role"] == "guest"
    assert service.staff("homecare", staff_id="erik").get(path).status_code == 404
    assert service.citizen().get(path).status_code == 404


def test_staff_revoke_the_link_and_a_new_one_replaces_it(service):
    visit = book_video(service, person(), starts_in_minutes=5)
    staff = service.staff("caseworker", staff_id=STAFF_ID)
    revoked = staff.post(f"/appointments/{visit['id']}/video-link/revocation")
    assert revoked.status_code == 200, revoked.json
    assert revoked.json["video_url"] != visit["video_url"]
    gateway = signalling(service)
    assert gateway.post("/video-links/lookup", {"token": token_of(visit)}).status_code == 404
    fresh = gateway.post("/video-links/lookup", {"token": token_of(revoked.json)})
    assert fresh.status_code == 200
    assert "appointment.video_link_revoked.v1" in service.event_types(visit["id"])
    # Someone not assigned to the visit cannot.
    other = service.staff("homecare", staff_id="erik")
    assert other.post(f"/appointments/{visit['id']}/video-link/revocation").status_code == 404


def test_a_call_that_connected_records_start_end_and_duration_and_the_visit_is_held(service):
    visit = book_video(service, person(), starts_in_minutes=-2)
    gateway = signalling(service)
    call_id = str(uuid.uuid4())
    started = service.clock.now
    body = {"call_id": call_id, "host_id": STAFF_ID, "participants": 2}
    path = f"/appointments/{visit['id']}/video-calls"
    for _retry in range(2):  # the gateway may send a fact twice
        answer = gateway.post(path, {**body, "event": "started", "at": started.isoformat()})
        assert answer.status_code == 200, answer.json
    ended = started + timedelta(minutes=17, seconds=5)
    for _retry in range(2):
        gateway.post(path, {**body, "event": "ended", "at": ended.isoformat()})
    (call,) = service.staff("caseworker", staff_id=STAFF_ID).get(path).json["video_calls"]
    assert call["outcome"] == "ended" and call["duration_seconds"] == 17 * 60 + 5
    assert service.event_types(visit["id"]) == [
        "appointment.booked.v1",
        "appointment.video_call_started.v1",
        "appointment.video_call_ended.v1",
        "appointment.completed.v1",
    ]
    ended_event = service.events(visit["id"])[2]
    assert ended_event.data["duration_seconds"] == 1025 and ended_event.data["host_id"] == STAFF_ID
    shown = service.staff("caseworker", staff_id=STAFF_ID).get(f"/appointments/{visit['id']}")
    assert shown.json["status"] == "completed"


def test_a_visit_that_never_connected_is_reported(service):
    visit = book_video(service, person(), starts_in_minutes=-2)
    answer = signalling(service).post(
        f"/appointments/{visit['id']}/video-calls",
        {
            "call_id": str(uuid.uuid4()),
            "host_id": STAFF_ID,
            "event": "not_connected",
            "at": (service.clock.now + timedelta(minutes=10)).isoformat(),
            "attempted_at": service.clock.now.isoformat(),
            "participants": 1,
            "reason": "nobody_joined",
        },
    )
    assert answer.status_code == 200, answer.json
    (call,) = answer.json["video_calls"]
    assert call["outcome"] == "not_connected" and call["reason"] == "nobody_joined"
    assert service.event_types(visit["id"])[-1] == "appointment.video_call_not_connected.v1"
    assert (
        service.staff("caseworker", staff_id=STAFF_ID)
        .get(f"/appointments/{visit['id']}")
        .json["status"]
        == "booked"
    )
