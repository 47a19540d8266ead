"""No double booking, ever: many simultaneous requests for one slot or one staff member, and
the database's own constraints, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.appointments import store
from tests.appointments.builders import booking

THREADS = 16
MONDAY_0800 = "2026-03-30T08:00:00+02:00"


def fire_at_once(requests) -> list:
    """Run every request in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def run(i: int) -> None:
        barrier.wait()
        responses[i] = requests[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return responses


def active_holds(service, staff_id: str) -> int:
    with service.engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(store.appointment_staff)
            .where(
                store.appointment_staff.c.staff_id == staff_id,
                store.appointment_staff.c.active.is_(True),
            )
        ).scalar_one()


def test_many_citizens_booking_one_slot_at_once_exactly_one_wins(service):
    service.offer(staff_ids=["nurse-one"])
    citizens = [service.citizen() for _ in range(THREADS)]
    responses = fire_at_once(
        [lambda c=c: c.post("/appointments", booking(MONDAY_0800)) for c in citizens]
    )
    outcomes = Counter((r.status_code, (r.json or {}).get("code")) for r in responses)
    assert outcomes == {(201, None): 1, (409, "appointment.slot_taken"): THREADS - 1}
    assert active_holds(service, "nurse-one") == 1
    assert service.event_types().count("appointment.booked.v1") == 1


def test_many_staff_bookings_of_one_staff_member_at_overlapping_times_exactly_one_wins(service):
    service.offer("video-rush", staff_ids=["nurse-two"], self_bookable=False)
    citizens = [service.citizen() for _ in range(THREADS)]
    staff = [service.staff("scheduler") for _ in range(THREADS)]
    start = datetime(2026, 3, 30, 8, tzinfo=UTC)

    def book(i: int):
        begins = start + timedelta(minutes=3 * i)  # every one overlaps every other
        return staff[i].post(
            "/appointments",
            {
                "citizen_id": citizens[i].id,
                "service_id": "video-rush",
                "kind": "video_visit",
                "staff_ids": ["nurse-two"],
                "starts_at": begins.isoformat(),
                "ends_at": (begins + timedelta(hours=1)).isoformat(),
            },
        )

    responses = fire_at_once([lambda i=i: book(i) for i in range(THREADS)])
    outcomes = Counter((r.status_code, (r.json or {}).get("code")) for r in responses)
    assert outcomes == {(201, None): 1, (409, "appointment.slot_taken"): THREADS - 1}
    assert active_holds(service, "nurse-two") == 1


def test_two_free_staff_members_share_a_rush_on_one_slot(service):
    service.offer(staff_ids=["nurse-a", "nurse-b"])
    citizens = [service.citizen() for _ in range(8)]
    responses = fire_at_once(
        [lambda c=c: c.post("/appointments", booking(MONDAY_0800)) for c in citizens]
    )
    assert sorted(r.status_code for r in responses) == [201, 201] + [409] * 6
    assert {r.json["staff_ids"][0] for r in responses if r.status_code == 201} == {
        "nurse-a",
        "nurse-b",
    }


def test_one_retried_request_under_contention_books_once(service):
    service.offer(staff_ids=["nurse-a", "nurse-b", "nurse-c"])
    citizen = service.citizen()
    key = {"Idempotency-Key": "wifi-retry"}
    responses = fire_at_once(
        [lambda: citizen.post("/appointments", booking(MONDAY_0800), headers=key) for _ in range(6)]
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json["id"] for r in responses}) == 1
    assert len(citizen.get("/appointments").json["appointments"]) == 1


def test_the_database_itself_refuses_a_double_booking(service):
    """Past every check in the code: the constraints are the last word."""
    start = datetime(2026, 3, 30, 8, tzinfo=UTC)
    with service.engine.begin() as conn:
        for appointment_id in ("a-1", "a-2", "a-3"):
            conn.execute(
                store.appointments.insert().values(
                    id=appointment_id,
                    citizen_id="c",
                    kind="office_meeting",
                    status="booked",
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    buffer_minutes=0,
                    staff_ids=["s"],
                    tasks=[],
                    cutoff_hours=24,
                    created_at=start,
                    created_by="t",
                    updated_at=start,
                )
            )
        store.hold_staff(conn, "a-1", ["s"], start, start + timedelta(hours=1))
    with pytest.raises(IntegrityError) as same_start, service.engine.begin() as conn:
        store.hold_staff(conn, "a-2", ["s"], start, start + timedelta(minutes=30))
    assert store.is_double_booking(same_start.value)
    if service.engine.dialect.name == "postgresql":
        with pytest.raises(IntegrityError) as overlap, service.engine.begin() as conn:
            store.hold_staff(
                conn, "a-3", ["s"], start + timedelta(minutes=30), start + timedelta(hours=2)
            )
        assert store.OVERLAP_CONSTRAINT in str(overlap.value.orig)
    with service.engine.begin() as conn:  # a cancelled hold no longer blocks
        store.release_staff(conn, "a-1")
        store.hold_staff(conn, "a-2", ["s"], start, start + timedelta(minutes=30))
