"""Events from the bus (embedded log and Kafka) become messages once, through the real
consumer and inbox; what cannot be acted on goes to the dead-letter topic."""

from __future__ import annotations

import json

from kit.consumer import EventConsumer, dead_letter_topic
from kit.events import encode_event
from kit.inbox import handle_once
from kit.outbox import OutboxRelay
from services.notifications.announcements import TOPIC
from services.notifications.handlers import event_handler
from tests.builders import unique
from tests.notifications.builders import Case
from tests.notifications.service import start_service
from tests.waiting import wait_until


def test_redelivered_events_give_one_message_and_a_bad_one_is_dead_lettered(bus, tmp_path):
    service = start_service(f"sqlite:///{tmp_path / 'notifications.db'}", tmp_path)
    topic, group = unique("applications"), unique("notifications")
    cases = [Case() for _ in range(3)]
    unfillable = Case()  # a decision for a case the service never saw submitted
    try:
        for case in cases:
            for event in (case.submitted(), case.decided()):
                bus.publish(topic, event.key, encode_event(event))
                bus.publish(topic, event.key, encode_event(event))  # delivered twice
        bus.publish(topic, unfillable.application_id, encode_event(unfillable.decided()))
        bus.publish(topic, "junk", json.dumps({"not": "an event"}).encode())
        consumer = EventConsumer(
            bus,
            [topic],
            group,
            handle_once(service.engine, group, event_handler(service.notifications)),
            session_timeout_s=6.0,
            poll_timeout_s=0.2,
            initial_backoff_s=0.01,
        )
        dlq = bus.consumer([dead_letter_topic(group)], unique("dlq-reader"), session_timeout_s=6.0)
        dead: list = []
        try:
            wait_until(
                lambda: all(len(service.messages(c.citizen_id)) == 2 for c in cases),
                60,
                step=consumer.run_once,
                message="receipts and decisions",
            )
            wait_until(
                lambda: len(dead) >= 2,
                60,
                step=lambda: dead.extend(dlq.poll(0.3)),
                message="two dead letters",
            )
        finally:
            consumer.close()
            dlq.close()
        assert sorted(r.headers["dlq_reason"] for r in dead) == [
            "event.invalid_envelope",
            "notification.cannot_render",
        ]
        assert "0101901234" not in " ".join(r.headers["dlq_error"] for r in dead)
        service.send()
        assert all(
            m["status"] == "delivered" for c in cases for m in service.messages(c.citizen_id)
        )
        published = OutboxRelay(service.engine, bus, service="notifications").publish_pending()
        assert published == 3 * 2 * 3  # created, sending, delivered for each message
    finally:
        service.app.extensions["runtime"].close()  # type: ignore[attr-defined]
    assert TOPIC == "notifications"
