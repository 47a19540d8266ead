"""The rules consumer wakes the sender of its worker when it has committed new messages: a
receipt goes out without waiting for the sender's next poll (here an hour away), by the
one-at-a-time path and by the batch path alike."""

from __future__ import annotations

import threading

from kit.consumer import event_scope
from services.notifications.handlers import rules_consumer
from tests.builders import unique
from tests.notifications.builders import Case
from tests.waiting import wait_until


def test_the_consumer_wakes_the_sender_instead_of_its_next_poll(sqlite_service):
    service = sqlite_service
    due = threading.Event()
    # Not polled here: the handlers are called as a poll would call them.
    consumer = rules_consumer(None, service.notifications, (unique("t"),), unique("g"), due=due)
    sender = service.sender(interval_s=3600, due=due)
    rounds: list[int] = []
    run_once = sender.run_once
    sender.run_once = lambda: rounds.append(run_once()) or rounds[-1]  # type: ignore[method-assign]
    stop = threading.Event()
    thread = threading.Thread(target=sender.run, args=(stop,))
    thread.start()
    try:
        wait_until(lambda: bool(rounds), message="the sender's first round (nothing due)")
        one, batch = Case(), [Case(), Case()]
        consumer.handler(one.submitted())
        wait_until(lambda: _sent(service, one), 30, message="woken by one event")
        assert consumer.batch_handler is not None
        consumer.batch_handler([c.submitted() for c in batch], event_scope)
        wait_until(lambda: all(_sent(service, c) for c in batch), 30, message="woken by a batch")
    finally:
        stop.set()
        due.set()
        thread.join(30)
    assert not thread.is_alive()


def _sent(service, case: Case) -> bool:
    return [m["status"] for m in service.messages(case.citizen_id)] == ["delivered"]
