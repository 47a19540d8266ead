"""Two outbox relays of one service (two worker replicas) publish every event once, in order."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict

from kit.db import make_engine
from kit.events import decode_event
from kit.outbox import OutboxRelay, backlog
from tests.builders import unique
from tests.integration.test_outbox import change_case, service_database
from tests.waiting import wait_until


class SlowBus:
    """Takes what it is given like a broker that needs a moment to acknowledge (the window
    in which two relays without a claim both read the same unsent rows)."""

    def __init__(self) -> None:
        self.published: list[bytes] = []
        self._lock = threading.Lock()

    def publish_batch(self, records) -> int:
        time.sleep(0.02)
        with self._lock:
            self.published.extend(record.value for record in records)
        return len(records)


def test_two_relays_of_one_service_publish_each_event_once_and_in_order(database_url):
    engine = service_database(database_url)
    bus = SlowBus()
    relays = [
        OutboxRelay(make_engine(database_url), bus, service="applications", batch_size=7)
        for _ in range(2)
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=relay.run, args=(stop,), daemon=True) for relay in relays]
    for thread in threads:
        thread.start()
    topic = unique("applications")
    try:
        for n in range(120):
            change_case(engine, topic, f"case-{n % 5}", n)
        wait_until(lambda: backlog(engine) == 0, 60, message="the outbox to drain")
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    events = [decode_event(value) for value in bus.published]
    twice = [event_id for event_id, n in Counter(e.id for e in events).items() if n > 1]
    assert not twice and len(events) == 120, f"{len(twice)} events published more than once"
    per_key = defaultdict(list)
    for event in events:
        per_key[event.key].append(event.data["n"])
    assert all(numbers == sorted(numbers) for numbers in per_key.values()), per_key
    for relay in relays:
        relay.engine.dispose()
    engine.dispose()
