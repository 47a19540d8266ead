"""Every service's migrations, and the outbox and inbox, on SQLite and on real PostgreSQL."""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import inspect, select

from kit.db import make_engine
from kit.inbox import claim
from kit.launcher import SERVICES
from kit.migrate import downgrade, upgrade
from kit.outbox import outbox_table, record_event
from tests.builders import make_event


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_migrates_up_down_and_up_again(database_url, service):
    engine = make_engine(database_url)
    upgrade(service, database_url)
    assert {"outbox", "inbox"} <= set(inspect(engine).get_table_names())

    downgrade(service, database_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    upgrade(service, database_url)
    assert {"outbox", "inbox"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_an_event_recorded_in_a_rolled_back_transaction_is_never_published(database_url):
    upgrade("applications", database_url)
    engine = make_engine(database_url)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        record_event(conn, "applications", make_event())
        raise RuntimeError("the state change failed after the event was recorded")
    with engine.connect() as conn:
        assert conn.execute(select(outbox_table)).all() == []
    engine.dispose()


def test_the_inbox_lets_exactly_one_of_two_concurrent_handlers_claim_an_event(database_url):
    upgrade("applications", database_url)
    engine = make_engine(database_url)
    event = make_event()
    results: list[bool] = []
    both_inside = threading.Barrier(2, timeout=2)

    def handler() -> None:
        with engine.begin() as conn:
            # SQLite's write lock lets only one in at a time, so the barrier may break there.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_inside.wait()
            results.append(claim(conn, "notifications", event))

    threads = [threading.Thread(target=handler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False, True]
    engine.dispose()
