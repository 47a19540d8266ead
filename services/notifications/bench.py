"""Benchmark (not a test): messages per second from event to "sent", and the latency from a
submitted application's event to its receipt being sent.

    python -m services.notifications.bench [--events 3000] [--latency-events 200] [--runs 3]
                                           [--database-url postgresql://... |
                                            --postgres-admin-url postgresql://...]
                                           [--kafka 127.0.0.1:19092] [--json] [--write-table]

With `--runs N` the throughput is measured N times (each on a fresh database and topic) and
the median counts. With `--kafka`, the same run also measures the raw bus (bare kafka-python
producing and consuming as many records: bench.bench_bus) as the ceiling. `--write-table`
puts the figure into the one table of docs/BENCHMARKS.md (bench.table), as `make
bench-notifications` does.

Throughput (event -> sent): N `application.submitted` events are published to a fresh topic
first (a backlog, as after an outage or a burst), then the worker's parts run as they do in
`kit.worker notifications`: the rules consumer (inbox + rules), the sender job (simulated
providers, no rate limit: the providers' published limits are configuration, see
handlers.RATE_LIMITS) and the outbox relay publishing the announcements, each in its own
thread of one process. Measured from the records themselves: from the first message's
`created_at` to the last message's `delivered` status; the group's join is not counted.

Latency: one event at a time is published and timed until the provider has the receipt.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import create_engine, func, select, text

from bench import table
from kit.bus import connect_bus
from kit.bus.base import OutgoingRecord
from kit.config import normalise_database_url
from kit.db import make_engine
from kit.events import Actor, Event, encode_event
from kit.migrate import upgrade
from kit.outbox import OutboxRelay
from schemas.events import applications as ev
from services.notifications import store
from services.notifications.handlers import SEND_WORKERS, rules_consumer
from services.notifications.providers import Outgoing, SendResult, simulated_providers
from services.notifications.sender import Sender
from services.notifications.services import Notifications


def submitted(index: int) -> Event:
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


def _delivered(engine) -> tuple[int, datetime | None, datetime | None]:
    with engine.connect() as conn:
        count, last = conn.execute(
            select(func.count(), func.max(store.message_status.c.at)).where(
                store.message_status.c.status == "delivered"
            )
        ).one()
        first = conn.execute(select(func.min(store.messages.c.created_at))).scalar()
    return int(count), first, last


def throughput(database_url: str, count: int, kafka: str, tmp: str, timeout_s: float) -> dict:
    """Event -> sent through the bus, the rules consumer, the sender and the relay."""
    engine = make_engine(database_url)
    notifications = Notifications(engine)
    bus = connect_bus(kafka, os.path.join(tmp, "bus.db"), client_id="bench")
    suffix = uuid.uuid4().hex[:6]
    topic = f"bench-applications-{suffix}"
    bus.ensure_topic(topic)
    events = [submitted(i) for i in range(count)]
    for start in range(0, count, 500):
        chunk = events[start : start + 500]
        bus.publish_batch([OutgoingRecord(topic, e.key, encode_event(e)) for e in chunk])
    due = threading.Event()  # as handlers.MESSAGES_DUE in the worker
    consumer = rules_consumer(bus, notifications, (topic,), group=f"bench-rules-{suffix}", due=due)
    sender = Sender(notifications, simulated_providers(), send_workers=SEND_WORKERS, due=due)
    relay = OutboxRelay(engine, bus, service="notifications-bench")
    stop = threading.Event()
    threads = [
        threading.Thread(target=target, args=(stop,), name=name)
        for name, target in (
            ("consumer", consumer.run),
            ("sender", sender.run),
            ("relay", relay.run),
        )
    ]
    cpu = time.process_time()  # every thread of this process, not PostgreSQL's or Kafka's
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + timeout_s
        done, first, last = 0, None, None
        while time.monotonic() < deadline:
            done, first, last = _delivered(engine)
            if done >= count:
                break
            time.sleep(0.25)
        cpu = time.process_time() - cpu
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        bus.close()
        engine.dispose()
    if done < count or first is None or last is None:
        raise RuntimeError(f"only {done} of {count} messages were sent within {timeout_s:.0f} s")
    seconds = (last - first).total_seconds()
    return {
        "events": count,
        "seconds": round(seconds, 2),
        "per_s": round(count / seconds),
        # CPU of the worker's threads per message: steadier than the rate on a shared machine.
        "cpu_ms": round(cpu * 1000 / count, 2),
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
    due = threading.Event()
    consumer = rules_consumer(bus, notifications, (topic,), group=group, due=due)
    consumer.poll_timeout_s = 0.1
    providers = TimedProviders()
    sender = Sender(notifications, providers, due=due)
    stop = threading.Event()
    threads = [
        threading.Thread(target=consumer.run, args=(stop,)),
        threading.Thread(target=sender.run, args=(stop,)),
    ]
    for thread in threads:
        thread.start()
    samples = []
    try:
        # Warm up until the consumer has joined its group.
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
        "p50_ms": round(statistics.median(samples), 1),
        "p99_ms": round(samples[max(0, int(len(samples) * 0.99) - 1)], 1),
        "max_ms": round(samples[-1], 1),
    }


@contextlib.contextmanager
def _database(args: argparse.Namespace, tmp: str) -> Iterator[str]:
    """A database of its own for one run, dropped afterwards (or the one given)."""
    if not args.postgres_admin_url:
        yield args.database_url or f"sqlite:///{tmp}/notifications-{uuid.uuid4().hex[:6]}.db"
        return
    name = f"bench_notifications_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        normalise_database_url(args.postgres_admin_url), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin.url.render_as_string(hide_password=False).rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


FIGURE = "notifications, event -> sent on PostgreSQL + Kafka"
TARGET_PER_S = 500


def row(result: dict) -> table.Row:
    """The figure's row in the one table (only PostgreSQL + Kafka has a target)."""
    runs = result["runs"]
    per_s = result["throughput"]["per_s"]
    setup = f"{result['database']} + {result['bus']}"
    targeted = setup == "postgresql + kafka"
    raw = result.get("raw_bus")
    each = ", ".join(f"{r['per_s']:,}" for r in runs)
    cpu = statistics.median(r["cpu_ms"] for r in runs)
    measured = f"{per_s:,} messages/s (runs: {each}); {cpu:.1f} ms CPU per message"
    if "latency" in result:
        lat = result["latency"]
        measured += f"; one at a time p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms"
    return table.Row(
        figure=FIGURE if targeted else f"notifications, event -> sent on {setup}",
        target=f"≥ {TARGET_PER_S} messages/s" if targeted else "–",
        measured=measured,
        ceiling=f"{raw:,} records/s (raw kafka-python, produce + consume)" if raw else "–",
        ratio=f"{per_s / raw:.0%} of the raw bus" if raw else "–",
        met=("yes" if per_s >= TARGET_PER_S else "no") if targeted else "–",
        machine=table.machine(result["loads"]),
        method=(
            f"{result['throughput']['events']:,} submitted events as a backlog; rules consumer, "
            "sender (simulated providers) and relay as threads of one process, as the worker "
            f"runs them; first message created -> last delivered; median of {len(runs)} runs; "
            "services/notifications/bench.py"
        ),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1, help="throughput runs; the median counts")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary dir")
    parser.add_argument(
        "--postgres-admin-url",
        default="",
        help="a PostgreSQL server's URL: each run uses a database of its own there, then drops it",
    )
    parser.add_argument("--kafka", default="", help="bootstrap servers; default: embedded log")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--write-table", action="store_true", help="put the figure into docs/BENCHMARKS.md"
    )
    args = parser.parse_args(argv)
    loads = [table.load()]
    runs: list[dict] = []
    result: dict = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "bus": "kafka" if args.kafka else "embedded",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            with _database(args, tmp) as url:
                upgrade("notifications", url)
                result["database"] = url.split(":")[0].split("+")[0]
                runs.append(throughput(url, args.events, args.kafka, tmp, args.timeout))
                loads.append(table.load())
                if args.latency_events and len(runs) == args.runs:
                    result["latency"] = latency(url, args.latency_events, args.kafka, tmp)
        if args.kafka:
            # bench.bench_bus registers a test event type from tests/: imported by name, so
            # that mypy (which checks services/, not tests/) does not follow it there.
            raw = importlib.import_module("bench.bench_bus").run_raw_kafka
            ceiling: dict = {}
            measuring = threading.Thread(
                target=lambda: ceiling.update(raw(args.kafka, args.events, None)), daemon=True
            )
            measuring.start()
            measuring.join(180)  # its consumer waits for a group without a deadline
            if "per_second" in ceiling:
                result["raw_bus"] = round(ceiling["per_second"])
            loads.append(table.load())
    result |= {
        "runs": runs,
        "throughput": sorted(runs, key=lambda r: r["per_s"])[len(runs) // 2],
        "loads": [round(x, 1) for x in loads],
        "load_average": round(statistics.median(loads), 1),
    }
    if args.write_table:
        table.write_rows([row(result)])
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"machine: {result['machine']}; database: {result['database']}; bus: {result['bus']}; "
        f"load average {result['loads']}"
    )
    for r in runs:
        print(
            "event -> sent: {events} events in {seconds} s = {per_s} messages/s, "
            "{cpu_ms} ms CPU per message".format(**r)
        )
    print(f"median: {result['throughput']['per_s']} messages/s")
    if "raw_bus" in result:
        print(f"raw bus (kafka-python, produce + consume): {result['raw_bus']} records/s")
    if "latency" in result:
        print(
            "latency submitted -> receipt sent ({events} events, one at a time): "
            "p50 {p50_ms} ms, p99 {p99_ms} ms, max {max_ms} ms".format(**result["latency"])
        )


if __name__ == "__main__":
    main()
