"""Bus benchmark: publish-to-handled throughput and latency, per backend, plus a raw ceiling.

    python -m bench.bench_bus [--events N] [--rate R] [--only embedded|kafka|raw]

For each backend, two runs on a fresh topic with 3 partitions and one consumer:
- burst: N events published as fast as the bus takes them (batches of 100, as the outbox
  relay does); throughput = N / (last handled - first published);
- paced: events published at R per second, so latency is not just queueing; p50/p99 of
  (handled - published) per event.
"Handled" means our EventConsumer decoded the envelope, validated it against its schema, ran a
no-op handler and committed. The raw ceiling does the same traffic with bare kafka-python
(acks=all, idempotent producer; consumer without decoding or per-batch commits).
Results print as a Markdown table for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid

from kit.bus import connect_bus
from kit.bus.base import OutgoingRecord
from kit.consumer import EventConsumer
from kit.events import Actor, Event, encode_event
from tests.builders import TEST_EVENT  # registers the test event type

ACTOR = Actor(id="bench", type="system", channel="system")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def make_payload(i: int) -> bytes:
    # The publish time travels inside the event, so latency is measured per event.
    return encode_event(
        Event(
            type=TEST_EVENT,
            source="/bench",
            subject=f"case-{i % 50}",
            data={"n": i, "label": str(time.perf_counter_ns())},
            actor=ACTOR,
        )
    )


def run_ours(bus, events: int, rate: float | None) -> dict:
    topic = f"bench-{uuid.uuid4().hex[:8]}"
    bus.ensure_topic(topic, 3)
    latencies: list[float] = []
    done = threading.Event()

    def handle(event: Event) -> None:
        latencies.append((time.perf_counter_ns() - int(event.data["label"])) / 1e6)
        if len(latencies) >= events:
            done.set()

    consumer = EventConsumer(
        bus, [topic], f"bench-{uuid.uuid4().hex[:6]}", handle, poll_timeout_s=0.05
    )
    stop = threading.Event()

    def consume() -> None:
        while not stop.is_set():
            consumer.run_once()

    thread = threading.Thread(target=consume, daemon=True)
    # Join the group before timing, so the first rebalance is not measured.
    while not consumer.consumer.assignment():
        consumer.run_once(0.1)
    thread.start()
    started = time.perf_counter()
    if rate is None:
        for start in range(0, events, 100):
            batch = [make_payload(i) for i in range(start, min(start + 100, events))]
            bus.publish_batch([OutgoingRecord(topic, f"case-{start % 50}", p) for p in batch])
    else:
        for i in range(events):
            target = started + i / rate
            pause = target - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            bus.publish(topic, f"case-{i % 50}", make_payload(i))
    done.wait(300)
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join(10)
    consumer.close()
    return {
        "events": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
    }


def run_raw_kafka(bootstrap: str, events: int, rate: float | None) -> dict:
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 3, 1)], wait_for_metadata=True)
    admin.close()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=2
    )
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
    )
    while not consumer.assignment():
        consumer.poll(100)
    latencies: list[float] = []
    done = threading.Event()

    def consume() -> None:
        while not done.is_set():
            for messages in consumer.poll(50).values():
                for message in messages:
                    sent = json.loads(message.value)["data"]["label"]
                    latencies.append((time.perf_counter_ns() - int(sent)) / 1e6)
            if latencies:
                consumer.commit()
            if len(latencies) >= events:
                done.set()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    started = time.perf_counter()
    for i in range(events):
        if rate is not None:
            pause = started + i / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            producer.send(topic, key=f"case-{i % 50}".encode(), value=make_payload(i)).get(30)
        else:
            producer.send(topic, key=f"case-{i % 50}".encode(), value=make_payload(i))
    producer.flush()
    done.wait(300)
    elapsed = time.perf_counter() - started
    thread.join(10)
    consumer.close()
    producer.close()
    return {
        "events": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--paced-events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--only", choices=["embedded", "kafka", "raw"])
    args = parser.parse_args()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "")

    rows = []
    backends = [args.only] if args.only else ["embedded", "kafka", "raw"]
    for backend in backends:
        for mode, events, rate in (
            ("burst", args.events, None),
            ("paced", args.paced_events, args.rate),
        ):
            if backend == "embedded":
                with tempfile.TemporaryDirectory() as tmp:
                    bus = connect_bus(embedded_path=f"{tmp}/bus.db")
                    result = run_ours(bus, events, rate)
                    bus.close()
            elif not bootstrap:
                print(f"skipping {backend}: KAFKA_BOOTSTRAP not set")
                continue
            elif backend == "kafka":
                bus = connect_bus(kafka_bootstrap=bootstrap, client_id="bench")
                result = run_ours(bus, events, rate)
                bus.close()
            else:
                result = run_raw_kafka(bootstrap, events, rate)
            rows.append((backend, mode, rate, result))
            print(f"{backend:9} {mode:6} {result}", flush=True)

    print(
        f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}\n"
    )
    print("| backend | mode | events | events/s | p50 ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|")
    for backend, mode, rate, r in rows:
        label = f"paced {rate:.0f}/s" if mode == "paced" else "burst"
        print(
            f"| {backend} | {label} | {r['events']} | {r['per_second']:.0f} | "
            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} |"
        )


if __name__ == "__main__":
    main()
