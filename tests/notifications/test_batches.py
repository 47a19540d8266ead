"""The worker's way through: a poll's events become messages in one transaction (with their
status and event, each once), and a round of the sender hands messages over side by side,
each exactly once."""

from __future__ import annotations

from kit.events import encode_event
from services.notifications.handlers import rules_consumer
from tests.builders import unique
from tests.notifications.builders import Case
from tests.waiting import wait_until


def test_a_batch_of_events_gives_each_message_once_and_the_sender_hands_each_over_once(
    service, bus
):
    topic, group = unique("applications"), unique("notifications")
    cases = [Case() for _ in range(12)]
    for case in cases:
        event = case.submitted()
        bus.publish(topic, event.key, encode_event(event))
        bus.publish(topic, event.key, encode_event(event))  # delivered twice
    consumer = rules_consumer(bus, service.notifications, (topic,), group)
    consumer.session_timeout_s, consumer.poll_timeout_s = 6.0, 0.5
    try:
        wait_until(
            lambda: all(len(service.messages(c.citizen_id)) == 1 for c in cases),
            60,
            step=consumer.run_once,
            message="one receipt per case",
        )
    finally:
        consumer.close()
    sent = service.sender(send_workers=4, batch_size=50).run_once()
    assert sent == len(cases)
    messages = [service.messages(c.citizen_id)[0] for c in cases]
    assert all(m["status"] == "delivered" and m["attempts"] == 1 for m in messages)
    assert all(
        service.event_types(m["id"]) == ["created", "sending", "delivered"] for m in messages
    )
    handed = sum(len(p.sent) for p in service.providers.values())
    attempts = sum(p.attempts for p in service.providers.values())
    assert handed == attempts == len(cases)
