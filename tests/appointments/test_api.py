"""The appointments API on both databases: self-booking, staff bookings, proxies, the route."""

from __future__ import annotations

from datetime import timedelta

from kit.events import Actor, Event
from kit.inbox import handle_once
from schemas.events import consents as consent_events
from services.appointments.handlers import GROUP, on_proxy_event
from tests.appointments.builders import booking
from tests.appointments.service import VIDEO_TEMPLATE

MONDAY_0800 = "2026-03-30T08:00:00+02:00"  # a week after the clock's start, summer time
MONDAY_0915 = "2026-03-30T09:15:00+02:00"


def test_a_citizen_sees_free_slots_in_local_time_and_books_one(service):
    staff_ids = service.offer(staff_ids=["nurse-a"])
    citizen = service.citizen()
    slots = citizen.get("/services/visitation/slots?from=2026-03-30&to=2026-03-30").json
    assert slots["time_zone"] == "Europe/Copenhagen"
    assert [s["starts_at"][11:] for s in slots["slots"]][:2] == ["08:00:00+02:00", "09:15:00+02:00"]
    booked = citizen.post("/appointments", booking(MONDAY_0800))
    assert booked.status_code == 201, booked.json
    assert booked.json["status"] == "booked"
    assert booked.json["staff_ids"] == staff_ids
    assert booked.json["starts_at"] == MONDAY_0800
    assert booked.json["tasks"] == ["Visitationssamtale", "Gennemgang af hjemmet"]
    assert booked.headers["X-Data-Subjects"] == citizen.id
    after = citizen.get("/services/visitation/slots?from=2026-03-30&to=2026-03-30").json
    assert len(after["slots"]) == len(slots["slots"]) - 1
    assert citizen.get("/appointments").json["appointments"][0]["id"] == booked.json["id"]
    shown = citizen.get(f"/appointments/{booked.json['id']}").json
    assert [h["status"] for h in shown["history"]] == ["booked"]
    event = service.events(booked.json["id"])[0]
    assert event.type.endswith("appointment.booked.v1")
    assert event.key == booked.json["id"] and event.data["citizen_id"] == citizen.id
    assert "0101901234" not in str(event.to_dict())


def test_the_same_slot_cannot_be_taken_twice_and_the_error_is_stable(service):
    service.offer(staff_ids=["nurse-a"])
    assert service.citizen().post("/appointments", booking(MONDAY_0800)).status_code == 201
    second = service.citizen().post(
        "/appointments", booking(MONDAY_0800), headers={"Accept-Language": "en"}
    )
    assert second.status_code == 409
    assert second.json["code"] == "appointment.slot_taken"
    assert second.mimetype == "application/problem+json"
    assert second.json["title"] == "The time is already taken. Choose another time"


def test_citizens_are_held_to_the_rules_and_staff_are_not(service):
    service.offer(staff_ids=["nurse-a"])
    citizen = service.citizen()
    cases = {
        "2026-03-30T08:10:00+02:00": "appointment.not_a_slot",
        "2026-03-23T15:00:00+01:00": "appointment.outside_booking_window",  # in 5 hours
        "2026-05-04T08:00:00+02:00": "appointment.outside_booking_window",  # beyond 30 days
        "2026-03-28T10:00:00+01:00": "appointment.not_a_slot",  # Saturday
    }
    for starts_at, code in cases.items():
        response = citizen.post("/appointments", booking(starts_at))
        assert (response.status_code, response.json["code"]) == (422, code), starts_at
    no_address = citizen.post("/appointments", booking(MONDAY_0800, address=None))
    assert no_address.json["code"] == "appointment.address_required"
    # Staff (the service's planner) book a Saturday evening, in five hours, with two staff
    # members: allowed.
    staff = service.staff("scheduler")
    for starts_at in ("2026-03-28T19:00:00+01:00", "2026-03-23T15:00:00+01:00"):
        response = staff.post(
            "/appointments",
            booking(starts_at, citizen_id=citizen.id, staff_ids=["nurse-a", "nurse-b"]),
        )
        assert response.status_code == 201, response.json
    busy = staff.post(
        "/appointments",
        booking("2026-03-28T19:30:00+01:00", citizen_id=citizen.id, staff_ids=["nurse-b"]),
    )
    assert busy.status_code == 409
    assert busy.json["busy_staff_ids"] == ["nurse-b"]


def test_not_self_bookable_services_and_unknown_services(service):
    service.offer("assessment", staff_ids=["nurse-a"], self_bookable=False)
    citizen = service.citizen()
    refused = citizen.post("/appointments", booking(MONDAY_0800, service_id="assessment"))
    assert (refused.status_code, refused.json["code"]) == (403, "appointment.not_self_bookable")
    missing = citizen.post("/appointments", booking(MONDAY_0800, service_id="nothing"))
    assert (missing.status_code, missing.json["code"]) == (404, "appointment.service_not_found")


def test_a_citizen_moves_and_cancels_until_24_hours_before_then_only_staff_can(service):
    service.offer(staff_ids=["nurse-a"])
    citizen = service.citizen()
    appointment = citizen.post("/appointments", booking(MONDAY_0800)).json
    moved = citizen.post(f"/appointments/{appointment['id']}/move", {"starts_at": MONDAY_0915})
    assert moved.status_code == 200, moved.json
    assert (moved.json["status"], moved.json["starts_at"]) == ("rescheduled", MONDAY_0915)
    # The old time is free again.
    assert citizen.post("/appointments", booking(MONDAY_0800)).status_code == 201
    service.clock.now = service.clock.now.replace(day=29, hour=7, minute=30)  # 23h45 before
    late = citizen.post(f"/appointments/{appointment['id']}/cancellation")
    assert (late.status_code, late.json["code"]) == (409, "appointment.change_deadline_passed")
    late_move = citizen.post(
        f"/appointments/{appointment['id']}/move", {"starts_at": "2026-03-30T10:30:00+02:00"}
    )
    assert late_move.json["code"] == "appointment.change_deadline_passed"
    staff = service.staff("scheduler")
    cancelled = staff.post(
        f"/appointments/{appointment['id']}/cancellation", {"reason": "Borgeren er indlagt"}
    )
    assert cancelled.json["status"] == "cancelled"
    again = staff.post(f"/appointments/{appointment['id']}/cancellation")
    assert (again.status_code, again.json["code"]) == (409, "appointment.invalid_transition")
    history = staff.get(f"/appointments/{appointment['id']}").json["history"]
    assert [(h["status"], h["by_kind"]) for h in history] == [
        ("booked", "citizen"),
        ("rescheduled", "citizen"),
        ("cancelled", "staff"),
    ]
    assert history[2]["reason"] == "Borgeren er indlagt"
    assert service.event_types(appointment["id"]) == [
        "appointment.booked.v1",
        "appointment.moved.v1",
        "appointment.cancelled.v1",
    ]
    moved_event = service.events(appointment["id"])[1]
    assert moved_event.data["previous_starts_at"] == "2026-03-30T06:00:00+00:00"


def test_staff_record_completion_and_no_show_only_once_the_visit_began(service):
    service.offer(staff_ids=["nurse-a"])
    citizen, staff = service.citizen(), service.staff("homecare", staff_id="nurse-a")
    first = citizen.post("/appointments", booking(MONDAY_0800)).json
    second = citizen.post("/appointments", booking(MONDAY_0915)).json
    early = staff.post(f"/appointments/{first['id']}/completion")
    assert (early.status_code, early.json["code"]) == (409, "appointment.not_started")
    service.clock.now = service.clock.now + timedelta(days=8)
    assert staff.post(f"/appointments/{first['id']}/completion").json["status"] == "completed"
    assert staff.post(f"/appointments/{second['id']}/no-show").json["status"] == "no_show"
    assert (
        citizen.post(f"/appointments/{first['id']}/completion").json["code"]
        == "auth.wrong_kind_of_caller"
    )
    assert service.event_types(second["id"])[-1] == "appointment.no_show.v1"


def test_a_citizen_never_sees_another_citizens_appointment(service):
    service.offer(staff_ids=["nurse-a"])
    owner, stranger = service.citizen(), service.citizen()
    appointment = owner.post("/appointments", booking(MONDAY_0800)).json
    assert stranger.get(f"/appointments/{appointment['id']}").status_code == 404
    assert stranger.post(f"/appointments/{appointment['id']}/cancellation").status_code == 404
    listed = stranger.get(f"/appointments?citizen_id={owner.id}")
    assert (listed.status_code, listed.json["code"]) == (403, "proxy.no_authority")
    assert service.staff("cleaning").get("/route").json["code"] == "auth.missing_role"


def _proxy_event(
    event_type: str, citizen_id: str, agent_id: str, proxy_id: str, scopes: list[str], now
) -> Event:
    data = {"proxy_id": proxy_id, "citizen_id": citizen_id, "agent_id": agent_id}
    if event_type == consent_events.PROXY_GRANTED:
        data.update(
            kind="power_of_attorney",
            scopes=scopes,
            valid_from=now.isoformat(),
            valid_until=(now + timedelta(days=90)).isoformat(),
        )
    else:
        data.update(revoked_at=now.isoformat(), revoked_by=citizen_id)
    return Event(
        type=event_type,
        source="/services/consents",
        subject=citizen_id,
        data=data,
        actor=Actor(citizen_id, "citizen", "portal"),
    )


def test_a_proxy_books_for_the_principal_until_the_proxy_is_revoked(service):
    service.offer(staff_ids=["nurse-a"])
    mother, son = service.citizen(), service.citizen()
    handle = handle_once(service.engine, GROUP, on_proxy_event)
    refused = son.post("/appointments", booking(MONDAY_0800, citizen_id=mother.id))
    assert refused.json["code"] == "proxy.no_authority"
    granted = _proxy_event(
        consent_events.PROXY_GRANTED,
        mother.id,
        son.id,
        "p-1",
        ["appointments.read", "appointments.book"],
        service.clock.now,
    )
    handle(granted)
    booked = son.post("/appointments", booking(MONDAY_0800, citizen_id=mother.id))
    assert booked.status_code == 201, booked.json
    assert booked.json["citizen_id"] == mother.id
    event = service.events(booked.json["id"])[0]
    assert (event.actor.id, event.actor.on_behalf_of) == (son.id, mother.id)
    assert son.get(f"/appointments?citizen_id={mother.id}").json["appointments"]
    handle(
        _proxy_event(consent_events.PROXY_REVOKED, mother.id, son.id, "p-1", [], service.clock.now)
    )
    gone = son.post(f"/appointments/{booked.json['id']}/cancellation")
    assert gone.status_code == 404  # no proxy left: the appointment is not the son's to see


def test_idempotency_key_books_once_and_replays_the_answer(service):
    service.offer(staff_ids=["nurse-a", "nurse-b"])
    citizen = service.citizen()
    key = {"Idempotency-Key": "retry-1"}
    first = citizen.post("/appointments", booking(MONDAY_0800), headers=key)
    again = citizen.post("/appointments", booking(MONDAY_0800), headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(citizen.get("/appointments").json["appointments"]) == 1
    other = citizen.post("/appointments", booking(MONDAY_0915), headers=key)
    assert (other.status_code, other.json["code"]) == (422, "request.idempotency_key_reused")


def test_staff_see_their_day_route_in_time_order_with_addresses_and_tasks(service):
    nurse = service.staff("homecare", staff_id="nurse-route")
    citizens = [service.citizen() for _ in range(3)]
    times = ["2026-03-30T13:00:00+02:00", "2026-03-30T08:00:00+02:00", "2026-03-31T08:00:00+02:00"]
    for citizen, starts_at, street in zip(
        citizens, times, ("Åvej 1", "Bøgevej 2", "Ceder 3"), strict=True
    ):
        response = service.book_for(
            "nurse-route",
            {
                "citizen_id": citizen.id,
                "kind": "home_visit",
                "starts_at": starts_at,
                "ends_at": starts_at.replace(":00:00+", ":45:00+"),
                "staff_ids": ["nurse-route"],
                "address": street,
                "tasks": ["Medicin", "Bad"],
            },
        )
        assert response.status_code == 201, response.json
    video = service.book_for(
        "nurse-route",
        {
            "citizen_id": citizens[0].id,
            "kind": "video_visit",
            "staff_ids": ["nurse-route"],
            "starts_at": "2026-03-30T10:00:00+02:00",
            "ends_at": "2026-03-30T10:20:00+02:00",
        },
    ).json
    assert video["video_url"].startswith(VIDEO_TEMPLATE.replace("{room}", ""))
    route = nurse.get("/route?date=2026-03-30")
    assert route.status_code == 200
    visits = route.json["visits"]
    assert [v["starts_at"][11:16] for v in visits] == ["08:00", "10:00", "13:00"]
    assert [v["address"] for v in visits] == ["Bøgevej 2", None, "Åvej 1"]
    assert visits[0]["tasks"] == ["Medicin", "Bad"]
    assert visits[1]["video_url"] == video["video_url"]
    assert set(route.headers["X-Data-Subjects"].split(",")) == {citizens[0].id, citizens[1].id}
    other = service.staff("homecare").get("/route?staff_id=nurse-route")
    assert (other.status_code, other.json["code"]) == (403, "appointment.not_your_route")
    scheduler = service.staff("scheduler").get("/route?staff_id=nurse-route&date=2026-03-31")
    assert len(scheduler.json["visits"]) == 1
    # A scheduler who plans none of the nurse's services sees nothing of her day.
    elsewhere = service.staff("scheduler", staff_id="planner-elsewhere")
    refused = elsewhere.get("/route?staff_id=nurse-route&date=2026-03-31")
    assert (refused.status_code, refused.json["code"]) == (403, "appointment.not_your_route")
