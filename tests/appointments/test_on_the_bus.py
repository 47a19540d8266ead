"""On the bus (embedded log and Kafka): proxies arrive from the consents topic, appointment
events leave through the outbox keyed by appointment id."""

from __future__ import annotations

from kit.events import decode_event, encode_event
from kit.outbox import OutboxRelay
from kit.runtime import Runtime
from services.appointments.announcements import TOPIC
from services.appointments.handlers import proxy_view_consumer
from tests.appointments.builders import booking
from tests.appointments.service import start_service
from tests.appointments.test_api import MONDAY_0800, _proxy_event
from tests.builders import unique
from tests.waiting import wait_until


def test_a_proxy_from_the_bus_lets_the_agent_book_and_the_booking_is_published(bus, tmp_path):
    service = start_service(f"sqlite:///{tmp_path / 'appointments.db'}", tmp_path)
    runtime: Runtime = service.app.extensions["runtime"]  # type: ignore[attr-defined]
    consents_topic = unique("consents")
    try:
        service.offer(staff_ids=["nurse-a"])
        mother, son = service.citizen(), service.citizen()
        granted = _proxy_event(
            "dk.selvbetjening.proxy.granted.v1",
            mother.id,
            son.id,
            "p-9",
            ["appointments.book", "appointments.read"],
            service.clock.now,
        )
        bus.publish(consents_topic, mother.id, encode_event(granted), {})
        runtime._bus = bus  # the consumer reads the bus under test
        consumer = proxy_view_consumer(runtime, consents_topic)
        booked: list = []

        def step() -> None:
            consumer.run_once(0.5)
            response = son.post("/appointments", booking(MONDAY_0800, citizen_id=mother.id))
            if response.status_code == 201:
                booked.append(response.json)

        try:
            wait_until(lambda: bool(booked), 60, step=step, message="the proxy to arrive")
        finally:
            consumer.close()
        assert OutboxRelay(service.engine, bus, service="appointments").publish_pending() == 1
    finally:
        runtime._bus = None
        runtime.close()

    reader = bus.consumer([TOPIC], unique("appointments-reader"), session_timeout_s=6.0)
    mine: list = []
    try:

        def read() -> None:
            for record in reader.poll(0.5):
                if record.key == booked[0]["id"]:
                    mine.append(decode_event(record.value))

        wait_until(lambda: bool(mine), 60, step=read, message="the booking on the bus")
    finally:
        reader.close()
    assert mine[0].type == "dk.selvbetjening.appointment.booked.v1"
    assert mine[0].data["citizen_id"] == mother.id
