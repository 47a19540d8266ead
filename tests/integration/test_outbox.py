"""The transactional outbox against the real bus backends and databases."""

from __future__ import annotations

import contextlib
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update

from kit.bus import BusUnavailable, connect_bus
from kit.bus.kafka import KafkaBus
from kit.consumer import EventConsumer
from kit.db import make_engine
from kit.events import InvalidEvent, decode_event
from kit.inbox import handle_once
from kit.migrate import upgrade
from kit.outbox import OutboxRelay, backlog, record_event
from tests.builders import make_event, unique
from tests.conftest import kafka_bootstrap
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]

state = MetaData()
cases = Table(
    "cases",
    state,
    Column("id", String, primary_key=True),
    Column("version", Integer, nullable=False),
)


def service_database(url: str):
    upgrade("applications", url)
    engine = make_engine(url)
    state.create_all(engine)
    return engine


def change_case(engine, topic: str, case_id: str, n: int):
    """A use case: change the case and record its event in one transaction."""
    with engine.begin() as conn:
        updated = conn.execute(
            update(cases).where(cases.c.id == case_id).values(version=cases.c.version + 1)
        ).rowcount
        if not updated:
            conn.execute(insert(cases).values(id=case_id, version=1))
        record_event(conn, topic, make_event(key=case_id, n=n))


def read_all(bus, topic: str, expected: int, timeout_s: float = 60.0):
    consumer = bus.consumer([topic], unique("reader"), session_timeout_s=6.0)
    records = []
    try:
        wait_until(
            lambda: len(records) >= expected,
            timeout_s,
            step=lambda: records.extend(consumer.poll(0.2)),
            message=f"{expected} records on {topic}",
        )
        records.extend(consumer.poll(1.0))  # anything beyond what we expect is a bug
    finally:
        consumer.close()
    return records


class SimulatedCrash(BaseException):
    """The relay process dying: not an Exception, so nothing in the relay catches it."""


class CrashAfterPublish:
    """A bus that publishes for real, then kills the relay before it can mark the rows sent."""

    def __init__(self, bus):
        self.bus = bus

    def publish_batch(self, records):
        self.bus.publish_batch(records)
        raise SimulatedCrash()


def test_an_event_that_does_not_match_its_schema_rolls_back_its_state_change(tmp_path):
    engine = service_database(f"sqlite:///{tmp_path / 'app.db'}")
    with pytest.raises(InvalidEvent) as raised, engine.begin() as conn:
        conn.execute(insert(cases).values(id="case-1", version=1))
        record_event(conn, "applications", make_event(key="case-1", data={"n": "many"}))
    assert raised.value.code == "event.invalid_data"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 0
    assert backlog(engine) == 0


def test_a_relay_killed_between_publish_and_mark_sent_is_absorbed_by_the_inbox(bus, database_url):
    topic = unique("applications")
    engine = service_database(database_url)
    for n in range(3):
        change_case(engine, topic, "case-1", n)

    with pytest.raises(SimulatedCrash):
        OutboxRelay(engine, CrashAfterPublish(bus), service="applications").publish_pending()
    assert backlog(engine) == 3, "the crashed relay must not have marked anything as sent"

    # The restarted relay publishes the same three events again.
    assert OutboxRelay(engine, bus, service="applications").publish_pending() == 3
    assert backlog(engine) == 0
    assert len(read_all(bus, topic, expected=6)) == 6

    effects = Table("effects", MetaData(), Column("event_id", String, primary_key=True))
    effects.create(engine)
    group = unique("notifications")

    def remember(conn, event):
        conn.execute(insert(effects).values(event_id=event.id))  # fails on a second effect

    consumer = EventConsumer(
        bus,
        [topic],
        group,
        handle_once(engine, group, remember),
        session_timeout_s=6.0,
        poll_timeout_s=0.2,
        max_attempts=2,
    )
    processed: list[int] = []  # records dealt with per poll: handled or skipped as duplicate
    wait_until(lambda: sum(processed) >= 6, 60, step=lambda: processed.append(consumer.run_once()))
    consumer.close()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(effects)).scalar_one() == 3
    engine.dispose()


@pytest.mark.kafka
def test_events_wait_while_the_broker_is_down_and_go_out_once_in_order_when_it_is_back(tmp_path):
    bootstrap = kafka_bootstrap()
    engine = service_database(f"sqlite:///{tmp_path / 'app.db'}")
    topic = unique("applications")
    bus = KafkaBus(bootstrap, client_id="outage-test", delivery_timeout_s=5)
    bus.ensure_topic(topic, 3)
    relay = OutboxRelay(engine, bus, service="applications")

    kafka_script = str(REPO / "infra" / "kafka.sh")
    subprocess.run([kafka_script, "stop"], check=True)
    try:
        for n in range(20):
            change_case(engine, topic, f"case-{n % 4}", n)
        # The state changes committed although the broker is down; their events wait.
        with engine.connect() as conn:
            assert conn.execute(select(func.sum(cases.c.version))).scalar_one() == 20
        with pytest.raises(BusUnavailable):
            relay.publish_pending()
        assert backlog(engine) == 20
    finally:
        subprocess.run([kafka_script, "start"], check=True, stdout=subprocess.DEVNULL)

    def relay_round():
        # While the broker is still waking up the relay's own loop would back off and retry.
        with contextlib.suppress(BusUnavailable):
            relay.publish_pending()

    wait_until(
        lambda: backlog(engine) == 0,
        120,
        step=relay_round,
        message="the outbox to drain after the broker came back",
    )
    bus.close()

    reader = connect_bus(kafka_bootstrap=bootstrap)
    records = read_all(reader, topic, expected=20)
    reader.close()
    events = [decode_event(r.value) for r in records]
    assert len(events) == 20 and len({e.id for e in events}) == 20, "each event exactly once"
    per_key = defaultdict(list)
    for event in events:
        per_key[event.key].append(event.data["n"])
    assert all(numbers == sorted(numbers) for numbers in per_key.values()), per_key
