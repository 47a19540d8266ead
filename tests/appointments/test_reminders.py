"""Reminders: announced once per appointment start, across restarts, parallel schedulers and
moves; none for cancelled visits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from kit.db import make_engine
from services.appointments.reminders import ReminderScheduler
from tests.appointments.builders import booking

MONDAY_0800 = "2026-03-30T08:00:00+02:00"
SUNDAY_0800_UTC = datetime(2026, 3, 29, 6, tzinfo=UTC)  # 24 hours before Monday 08:00 CEST


def reminders(service) -> list:
    return [e for e in service.events() if e.type.endswith("reminder_due.v1")]


def scheduler(service, engine=None) -> ReminderScheduler:
    return ReminderScheduler(engine or service.engine, service.clock, service.config)


def test_a_reminder_goes_out_once_24_hours_before_even_across_a_restart(service, database_url):
    service.offer(staff_ids=["nurse-a"])
    appointment = service.citizen().post("/appointments", booking(MONDAY_0800)).json
    first = scheduler(service)
    service.clock.now = SUNDAY_0800_UTC - timedelta(seconds=1)
    assert first.run_once() == 0
    service.clock.now = SUNDAY_0800_UTC
    assert first.run_once() == 1
    engine = make_engine(database_url)  # "restart": a new process on the same database
    try:
        assert scheduler(service, engine).run_once() == 0
        service.clock.advance(hours=1)
        assert scheduler(service, engine).run_once() == 0
    finally:
        engine.dispose()
    assert first.run_once() == 0
    [event] = reminders(service)
    assert event.subject == appointment["id"]
    assert event.data["starts_at"] == "2026-03-30T06:00:00+00:00"
    assert event.data["due_at"] == SUNDAY_0800_UTC.isoformat()
    assert event.actor.type == "system"


def test_a_move_before_the_reminder_replans_it_for_the_new_time(service):
    service.offer(staff_ids=["nurse-a"])
    citizen = service.citizen()
    appointment = citizen.post("/appointments", booking(MONDAY_0800)).json
    moved = citizen.post(
        f"/appointments/{appointment['id']}/move", {"starts_at": "2026-03-31T08:00:00+02:00"}
    )
    assert moved.status_code == 200, moved.json
    service.clock.now = SUNDAY_0800_UTC + timedelta(hours=2)  # the old reminder's time
    assert scheduler(service).run_once() == 0
    service.clock.now = SUNDAY_0800_UTC + timedelta(days=1)
    assert scheduler(service).run_once() == 1
    assert [e.data["starts_at"] for e in reminders(service)] == ["2026-03-31T06:00:00+00:00"]


def test_a_move_after_the_reminder_reminds_of_the_new_time_once_and_never_twice(service):
    service.offer(staff_ids=["nurse-a"])
    appointment = service.citizen().post("/appointments", booking(MONDAY_0800)).json
    staff = service.staff("scheduler")
    service.clock.now = SUNDAY_0800_UTC
    assert scheduler(service).run_once() == 1
    service.clock.advance(hours=3)  # past the new time's lead (Sunday 10:30 local)
    staff.post(
        f"/appointments/{appointment['id']}/move", {"starts_at": "2026-03-30T10:30:00+02:00"}
    )
    assert scheduler(service).run_once() == 1  # the new time, at once: its lead has passed
    assert scheduler(service).run_once() == 0
    back = staff.post(f"/appointments/{appointment['id']}/move", {"starts_at": MONDAY_0800})
    assert back.status_code == 200, back.json
    assert scheduler(service).run_once() == 0  # that start's reminder went out already
    assert [e.data["starts_at"][11:16] for e in reminders(service)] == ["06:00", "08:30"]


def test_cancelled_visits_get_no_reminder(service):
    service.offer(staff_ids=["nurse-a"])
    citizen = service.citizen()
    appointment = citizen.post("/appointments", booking(MONDAY_0800)).json
    citizen.post(f"/appointments/{appointment['id']}/cancellation")
    service.clock.now = SUNDAY_0800_UTC
    assert scheduler(service).run_once() == 0
    assert reminders(service) == []


def test_parallel_schedulers_announce_each_reminder_once(service, database_url):
    service.offer(staff_ids=["nurse-a", "nurse-b", "nurse-c"])
    for _ in range(3):
        assert service.citizen().post("/appointments", booking(MONDAY_0800)).status_code == 201
    service.clock.now = SUNDAY_0800_UTC
    engines = [make_engine(database_url) for _ in range(3)]
    counts: list[int] = []
    try:
        threads = [
            threading.Thread(target=lambda e=e: counts.append(scheduler(service, e).run_once()))
            for e in engines
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for engine in engines:
            engine.dispose()
    assert sum(counts) == 3
    assert len(reminders(service)) == 3
