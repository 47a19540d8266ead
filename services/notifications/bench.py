"""Benchmark (not a test): messages per second from event to "sent" through the simulated
providers, and the latency from a submitted application's event to its receipt being sent.

    python -m services.notifications.bench [--events 2000] [--latency-events 200]
                                           [--database-url postgresql://...]
                                           [--kafka 127.0.0.1:19092]

Throughput: N submitted events are handled as the consumer does (inbox + rules, one
transaction each), then the sender job drains the queue; each stage is timed. Latency: the
worker's parts run as threads (consumer on the bus, sender job polling every 10 ms); one event
at a time is published and timed until the provider has the receipt.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid

from kit.bus import connect_bus
from kit.consumer import EventConsumer
from kit.db import make_engine
from kit.events import encode_event
from kit.inbox import handle_once
from kit.migrate import upgrade
from services.notifications.handlers import event_handler
from services.notifications.providers import Outgoing, SendResult, simulated_providers
from services.notifications.sender import Sender
from services.notifications.services import Notifications


def submitted(index: int):
    from datetime import UTC, datetime

    from kit.events import Actor, Event
    from schemas.events import applications as ev

    application_id, citizen_id = str(uuid.uuid4()), str(uuid.uuid4())
    return Event(
        type=ev.SUBMITTED,
        source="/bench",
        subject=application_id,
        actor=Actor(citizen_id, "citizen", "portal"),
        data={
            "application_id": application_id,
            "citizen_id": citizen_id,
            "type_id": "hjaelpemidler",
            "case_number": f"2026-{index:06d}",
            "title": "Hjælpemidler",
            "submitted_at": datetime.now(UTC).isoformat(),
        },
    )


def throughput(database_url: str, count: int) -> dict:
    engine = make_engine(database_url)
    notifications = Notifications(engine)
    handle = handle_once(engine, "bench", event_handler(notifications))
    events = [submitted(i) for i in range(count)]
    started = time.perf_counter()
    for event in events:
        handle(event)
    ruled = time.perf_counter()
    sender = Sender(notifications, simulated_providers(), batch_size=500)
    while sender.run_once():
        pass
    done = time.perf_counter()
    engine.dispose()
    return {
        "events": count,
        "rules_per_s": count / (ruled - started),
        "send_per_s": count / (done - ruled),
        "end_to_end_per_s": count / (done - started),
    }


class TimedProviders(dict):
    def __init__(self) -> None:
        super().__init__(simulated_providers())
        self.sent_at: dict[str, float] = {}
        for provider in self.values():
            original = provider.send

            def send(message: Outgoing, original=original) -> SendResult:
                result = original(message)
                self.sent_at[message.address] = time.perf_counter()
                return result

            provider.send = send


def latency(database_url: str, count: int, kafka: str, tmp: str) -> dict:
    engine = make_engine(database_url)
    notifications = Notifications(engine)
    bus = connect_bus(kafka, os.path.join(tmp, "bus.db"), client_id="bench")
    topic, group = f"bench-applications-{uuid.uuid4().hex[:6]}", f"bench-{uuid.uuid4().hex[:6]}"
    bus.ensure_topic(topic)
    consumer = EventConsumer(
        bus,
        [topic],
        group,
        handle_once(engine, group, event_handler(notifications)),
        poll_timeout_s=0.1,
    )
    providers = TimedProviders()
    sender = Sender(notifications, providers, interval_s=0.01)
    stop = threading.Event()
    threads = [
        threading.Thread(target=consumer.run, args=(stop,)),
        threading.Thread(target=sender.run, args=(stop,)),
    ]
    for thread in threads:
        thread.start()
    samples = []
    try:
        # Warm up until the consumer has joined its group (Kafka starts at the latest offset).
        deadline = time.monotonic() + 60
        while not providers.sent_at and time.monotonic() < deadline:
            warm = submitted(0)
            bus.publish(topic, warm.key, encode_event(warm))
            time.sleep(0.5)
        for i in range(count):
            event = submitted(i + 1)
            published = time.perf_counter()
            bus.publish(topic, event.key, encode_event(event))
            citizen = event.data["citizen_id"]
            give_up = time.monotonic() + 30
            while citizen not in providers.sent_at and time.monotonic() < give_up:
                time.sleep(0.001)
            if citizen not in providers.sent_at:
                raise RuntimeError("a receipt was not sent within 30 s")
            samples.append((providers.sent_at[citizen] - published) * 1000)
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)
        bus.close()
        engine.dispose()
    samples.sort()
    return {
        "events": count,
        "p50_ms": statistics.median(samples),
        "p95_ms": samples[int(len(samples) * 0.95) - 1],
        "max_ms": samples[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--kafka", default="", help="bootstrap servers; default: embedded log")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/notifications.db"
        upgrade("notifications", url)
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; database: {url.split(':')[0]}; "
            f"bus: {'kafka' if args.kafka else 'embedded'}"
        )
        result = throughput(url, args.events)
        print(
            "throughput: {events} submitted events -> receipts: rules {rules_per_s:.0f}/s, "
            "sending {send_per_s:.0f}/s, event to sent {end_to_end_per_s:.0f} "
            "messages/s".format(**result)
        )
        result = latency(url, args.latency_events, args.kafka, tmp)
        print(
            "latency submitted -> receipt sent ({events} events, one at a time): "
            "p50 {p50_ms:.1f} ms, p95 {p95_ms:.1f} ms, max {max_ms:.1f} ms".format(**result)
        )


if __name__ == "__main__":
    main()
