"""A consumer with a batch handler takes a poll's events in one transaction, each once; a
batch that fails is undone and its records go one by one, so a poison record is still
dead-lettered and the others still have their effect exactly once (both buses)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, select, update

from kit.consumer import EventConsumer, PermanentError
from kit.db import make_engine
from kit.inbox import handle_batch_once, handle_once
from kit.metrics import DEAD_LETTERS
from kit.outbox import messaging_metadata
from tests.builders import make_event, unique
from tests.contract.test_bus_contract import SESSION_S, publish_events
from tests.waiting import wait_until


def test_a_batch_has_each_effect_once_and_a_poison_event_is_still_dead_lettered(bus, tmp_path):
    topic, group = unique("batch"), unique("g")
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
        if event.data["n"] == 13:
            raise PermanentError("thirteen is refused")
        conn.execute(
            update(totals)
            .where(totals.c.key == event.key)
            .values(amount=totals.c.amount + event.data["n"])
        )

    first = make_event(key="case-1", n=5)
    clean = [first, first, make_event(key="case-1", n=1), make_event(key="case-1", n=2)]
    poisoned = [make_event(key="case-1", n=10), make_event(key="case-1", n=13), first]
    batches: list[int] = []
    batch = handle_batch_once(engine, group, add)

    def counted(events, scope):
        batches.append(len(events))
        return batch(events, scope)

    consumer = EventConsumer(
        bus,
        [topic],
        group,
        handle_once(engine, group, add),
        batch_handler=counted,
        session_timeout_s=SESSION_S,
        poll_timeout_s=0.5,
        initial_backoff_s=0.01,
    )

    def amount() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(totals.c.amount)).scalar_one())

    try:
        publish_events(bus, topic, clean)
        wait_until(lambda: amount() == 8, 60, step=consumer.run_once, message="clean batch")
        publish_events(bus, topic, poisoned)
        wait_until(lambda: amount() == 18, 60, step=consumer.run_once, message="poisoned batch")
        for _ in range(3):
            consumer.run_once(0.2)
    finally:
        consumer.close()
    assert amount() == 18  # 5 + 1 + 2, then 10; 13 refused; the repeated 5 absorbed
    assert batches, "the batch path was never taken"
    dead = DEAD_LETTERS.labels(group, topic, "handler.permanent_error")._value.get()
    assert dead == 1  # the poison record went to the dead-letter topic, once
