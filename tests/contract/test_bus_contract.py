"""One contract for the bus, run against both backends: the embedded log and real Kafka."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, select, update

from kit.bus import connect_bus
from kit.consumer import EventConsumer, PermanentError, dead_letter_topic
from kit.db import make_engine
from kit.events import decode_event, encode_event, encode_unchecked
from kit.inbox import handle_once
from kit.outbox import messaging_metadata
from tests.builders import make_event, unique
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
SESSION_S = 6.0  # Kafka's smallest allowed session timeout by default


def publish_events(bus, topic, events):
    for event in events:
        bus.publish(topic, event.key, encode_event(event))


def collect(bus, topic, group, expected, handler=None, timeout_s=60.0, **consumer_kwargs):
    """Consume `topic` as `group` until `expected` events were handled; return them in order."""
    handled = []

    def record(event):
        if handler is not None:
            handler(event)
        handled.append(event)

    consumer = EventConsumer(
        bus,
        [topic],
        group,
        record,
        session_timeout_s=SESSION_S,
        poll_timeout_s=0.2,
        **consumer_kwargs,
    )
    try:
        wait_until(
            lambda: len(handled) >= expected,
            timeout_s,
            step=consumer.run_once,
            message=f"{expected} events on {topic}",
        )
    finally:
        consumer.close()
    return handled


def dead_letters(bus, group, expected, timeout_s=60.0):
    inspector = bus.consumer(
        [dead_letter_topic(group)], unique("inspect"), session_timeout_s=SESSION_S
    )
    found = []
    try:
        wait_until(
            lambda: len(found) >= expected,
            timeout_s,
            step=lambda: found.extend(inspector.poll(0.2)),
            message=f"{expected} dead letters",
        )
    finally:
        inspector.close()
    return found


def test_records_with_the_same_key_arrive_in_the_order_they_were_published(bus):
    topic = unique("order")
    bus.ensure_topic(topic, 3)
    events = [make_event(key=f"case-{i % 5}", n=i) for i in range(100)]
    publish_events(bus, topic, events)

    handled = collect(bus, topic, unique("g"), expected=100)

    per_key = defaultdict(list)
    for event in handled:
        per_key[event.key].append(event.data["n"])
    assert len(per_key) == 5
    for key, numbers in per_key.items():
        assert numbers == sorted(numbers), f"{key} arrived out of order: {numbers}"
    assert sorted(e.data["n"] for e in handled) == list(range(100))


def test_two_consumers_in_a_group_share_partitions_and_the_survivor_takes_over(
    bus, bus_spec, tmp_path
):
    topic, group = unique("share"), unique("g")
    bus.ensure_topic(topic, 3)
    out = tmp_path / "child-handled.txt"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.contract.consumer_process",
            bus_spec["kafka_bootstrap"],
            bus_spec["embedded_path"],
            topic,
            group,
            str(out),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    mine = []
    survivor = EventConsumer(
        bus,
        [topic],
        group,
        lambda e: mine.append(e.data["n"]),
        session_timeout_s=SESSION_S,
        poll_timeout_s=0.2,
    )

    def child_partitions():
        status = Path(str(out) + ".assignment")
        text = status.read_text() if status.exists() else ""
        return {int(p) for p in text.split(",") if p}

    def child_handled():
        return [int(line) for line in out.read_text().split()] if out.exists() else []

    try:
        # Both members join; the group splits the three partitions between them.
        wait_until(
            lambda: (
                survivor.consumer.assignment()
                and child_partitions()
                and len(survivor.consumer.assignment()) + len(child_partitions()) == 3
            ),
            60,
            step=survivor.run_once,
            message="the two members to share partitions",
        )
        mine_before = {tp.partition for tp in survivor.consumer.assignment()}
        assert mine_before.isdisjoint(child_partitions())

        publish_events(bus, topic, [make_event(key=f"k{i}", n=i) for i in range(30)])
        wait_until(
            lambda: len(set(mine) | set(child_handled())) == 30,
            60,
            step=survivor.run_once,
            message="the first 30 events",
        )
        assert mine and child_handled(), "both members should have handled a share"
        assert set(mine).isdisjoint(child_handled())

        # The child dies without leaving the group; the survivor must take over its share.
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        publish_events(bus, topic, [make_event(key=f"k{i}", n=i) for i in range(30, 60)])
        wait_until(
            lambda: set(range(30, 60)) <= set(mine),
            90,
            step=survivor.run_once,
            message="the survivor to handle the dead member's partitions",
        )
        assert {tp.partition for tp in survivor.consumer.assignment()} == {0, 1, 2}
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        survivor.close()


def test_a_restarted_consumer_resumes_from_its_committed_offset(bus):
    topic, group = unique("resume"), unique("g")
    publish_events(bus, topic, [make_event(key="case-1", n=i) for i in range(5)])
    first = collect(bus, topic, group, expected=5)
    assert [e.data["n"] for e in first] == [0, 1, 2, 3, 4]

    publish_events(bus, topic, [make_event(key="case-1", n=i) for i in range(5, 8)])
    second = collect(bus, topic, group, expected=3)
    assert [e.data["n"] for e in second] == [5, 6, 7]


def test_records_not_committed_are_delivered_again_after_a_restart(bus):
    topic, group = unique("redeliver"), unique("g")
    publish_events(bus, topic, [make_event(key="case-1", n=i) for i in range(3)])

    consumer = bus.consumer([topic], group, session_timeout_s=SESSION_S)
    seen = []
    wait_until(lambda: len(seen) >= 3, 60, step=lambda: seen.extend(consumer.poll(0.2)))
    consumer.commit(seen[0])  # handled the first only, then "crashed"
    consumer.close()

    again = collect(bus, topic, group, expected=2)
    assert [e.data["n"] for e in again] == [1, 2]


def test_a_handler_that_fails_once_is_retried_and_the_event_is_handled(bus):
    topic, group = unique("retry"), unique("g")
    publish_events(bus, topic, [make_event(key="case-1", n=1)])
    attempts = []

    def flaky(event):
        attempts.append(event.id)
        if len(attempts) == 1:
            raise ConnectionError("the database blinked")

    handled = collect(bus, topic, group, expected=1, handler=flaky)
    assert len(attempts) == 2 and attempts[0] == attempts[1]
    assert handled[0].data["n"] == 1


def test_a_poison_message_is_dead_lettered_and_later_messages_are_still_handled(bus):
    topic, group = unique("poison"), unique("g")
    bus.publish(topic, "case-1", b"{this is not json")
    wrong_data = make_event(key="case-1", n=0, data={"n": "not a number"})
    bus.publish(topic, "case-1", encode_unchecked(wrong_data))
    publish_events(bus, topic, [make_event(key="case-1", n=i) for i in range(1, 4)])

    handled = collect(bus, topic, group, expected=3)
    assert [e.data["n"] for e in handled] == [1, 2, 3]

    letters = dead_letters(bus, group, expected=2)
    reasons = sorted(r.headers["dlq_reason"] for r in letters)
    assert reasons == ["event.invalid_data", "event.not_json"]
    not_json = next(r for r in letters if r.headers["dlq_reason"] == "event.not_json")
    assert not_json.value == b"{this is not json"
    assert not_json.headers["dlq_original_topic"] == topic
    assert not_json.key == "case-1"


def test_a_handler_that_keeps_failing_is_dead_lettered_after_its_attempts(bus):
    topic, group = unique("exhaust"), unique("g")
    doomed = make_event(key="case-1", n=0)
    publish_events(bus, topic, [doomed, make_event(key="case-1", n=1)])
    calls = defaultdict(int)

    def handler(event):
        calls[event.data["n"]] += 1
        if event.data["n"] == 0:
            raise RuntimeError("the case system refuses this one")

    handled = collect(
        bus, topic, group, expected=1, handler=handler, max_attempts=3, initial_backoff_s=0.01
    )
    assert calls[0] == 3
    assert [e.data["n"] for e in handled] == [1]
    (letter,) = dead_letters(bus, group, expected=1)
    assert letter.headers["dlq_reason"] == "handler.retries_exhausted"
    assert "the case system refuses this one" in letter.headers["dlq_error"]
    assert letter.headers["dlq_attempts"] == "3"
    assert decode_event(letter.value).id == doomed.id


def test_a_permanent_error_is_dead_lettered_without_retrying(bus):
    topic, group = unique("permanent"), unique("g")
    publish_events(bus, topic, [make_event(key="case-1", n=0), make_event(key="case-1", n=1)])
    calls = []

    def handler(event):
        calls.append(event.data["n"])
        if event.data["n"] == 0:
            raise PermanentError("no such case")

    collect(bus, topic, group, expected=1, handler=handler)
    assert calls.count(0) == 1
    (letter,) = dead_letters(bus, group, expected=1)
    assert letter.headers["dlq_reason"] == "handler.permanent_error"


def test_a_duplicated_delivery_has_one_effect(bus, tmp_path):
    topic, group = unique("dup"), unique("g")
    engine = make_engine(f"sqlite:///{tmp_path / 'effects.db'}")
    metadata = MetaData()
    totals = Table(
        "totals",
        metadata,
        Column("key", String, primary_key=True),
        Column("amount", Integer, nullable=False),
    )
    metadata.create_all(engine)
    messaging_metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(totals.insert().values(key="case-1", amount=0))

    def add(conn, event):
        conn.execute(
            update(totals)
            .where(totals.c.key == event.key)
            .values(amount=totals.c.amount + event.data["n"])
        )

    event = make_event(key="case-1", n=5)
    # The same event delivered three times (e.g. a relay that crashed before marking it sent).
    publish_events(bus, topic, [event, event, event, make_event(key="case-1", n=1)])
    collect(bus, topic, group, expected=2, handler=handle_once(engine, group, add))
    with engine.connect() as conn:
        assert conn.execute(select(totals.c.amount)).scalar_one() == 6


def test_the_embedded_log_keeps_records_and_offsets_when_reopened(tmp_path):
    path = str(tmp_path / "bus.db")
    topic, group = unique("durable"), unique("g")
    first = connect_bus(embedded_path=path)
    publish_events(first, topic, [make_event(key="case-1", n=i) for i in range(3)])
    first.close()

    reopened = connect_bus(embedded_path=path)
    assert [e.data["n"] for e in collect(reopened, topic, group, expected=3)] == [0, 1, 2]
    publish_events(reopened, topic, [make_event(key="case-1", n=3)])
    reopened.close()

    again = connect_bus(embedded_path=path)
    assert [e.data["n"] for e in collect(again, topic, group, expected=1)] == [3]
    again.close()


def test_a_record_that_breaks_the_parser_is_dead_lettered_and_the_next_is_still_handled(bus):
    topic, group = unique("deep"), unique("g")
    bus.publish(topic, "case-1", b"[" * 100_000)  # recursion, not a ValueError, in json
    publish_events(bus, topic, [make_event(key="case-1", n=1)])
    handled = collect(bus, topic, group, expected=1)
    assert [e.data["n"] for e in handled] == [1]
    (letter,) = dead_letters(bus, group, expected=1)
    assert letter.headers["dlq_reason"] == "event.not_json"


def test_a_database_outage_holds_the_partition_instead_of_dead_lettering(bus):
    from sqlalchemy.exc import OperationalError

    topic, group = unique("outage"), unique("g")
    publish_events(bus, topic, [make_event(key="case-1", n=i) for i in range(2)])
    calls = []

    def handler(event):
        calls.append(event.data["n"])
        if len(calls) <= 6:  # more failures than max_attempts: the database is down a while
            raise OperationalError("UPDATE ...", {}, ConnectionError("server closed"))

    handled = collect(
        bus,
        topic,
        group,
        expected=2,
        handler=handler,
        max_attempts=2,
        initial_backoff_s=0.01,
        max_backoff_s=0.05,
    )
    assert [e.data["n"] for e in handled] == [0, 1]  # in order, nothing skipped
    assert calls[:6] == [0] * 6
    inspector = bus.consumer(
        [dead_letter_topic(group)], unique("inspect"), session_timeout_s=SESSION_S
    )
    assert inspector.poll(1.0) == []  # nothing was dead-lettered
    inspector.close()


def test_dead_letters_can_be_listed_and_replayed_once_after_the_fix(bus):
    from kit.dlq import list_dead_letters, replay

    topic, group = unique("replay"), unique("g")
    publish_events(bus, topic, [make_event(key="case-1", n=0), make_event(key="case-1", n=1)])
    fixed = []

    def broken(event):
        if event.data["n"] == 0 and not fixed:
            raise PermanentError("the referenced case is unknown")

    handled = collect(bus, topic, group, expected=1, handler=broken)
    assert [e.data["n"] for e in handled] == [1]
    (letter,) = list_dead_letters(bus, group)
    assert letter.headers["dlq_reason"] == "handler.permanent_error"

    fixed.append(True)  # the cause is fixed (e.g. the missing case arrived)
    assert replay(bus, group) == 1
    assert replay(bus, group) == 0  # nothing twice
    again = collect(bus, topic, group, expected=1, handler=broken)
    assert [e.data["n"] for e in again] == [0]
