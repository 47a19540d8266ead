"""A consumer group member in its own process, for tests that kill it (SIGKILL, no goodbye).

Usage: python -m tests.contract.consumer_process KAFKA_BOOTSTRAP EMBEDDED_PATH TOPIC GROUP OUT
It appends each handled event's `n` to OUT and writes its assignment to OUT.assignment.
"""

from __future__ import annotations

import os
import sys
import threading

from kit.bus import connect_bus
from kit.consumer import EventConsumer
from tests.builders import TEST_EVENT  # noqa: F401 - registers the test event type


def main() -> None:
    bootstrap, embedded_path, topic, group, out = sys.argv[1:6]
    bus = connect_bus(kafka_bootstrap=bootstrap, embedded_path=embedded_path, client_id="child")

    def handle(event) -> None:
        with open(out, "a") as handled:
            handled.write(f"{event.data['n']}\n")
            handled.flush()
            os.fsync(handled.fileno())

    consumer = EventConsumer(bus, [topic], group, handle, session_timeout_s=6.0, poll_timeout_s=0.2)
    stop = threading.Event()
    while not stop.is_set():
        consumer.run_once()
        assignment = sorted(tp.partition for tp in consumer.consumer.assignment())
        with open(out + ".assignment.tmp", "w") as status:
            status.write(",".join(map(str, assignment)))
        os.replace(out + ".assignment.tmp", out + ".assignment")


if __name__ == "__main__":
    main()
