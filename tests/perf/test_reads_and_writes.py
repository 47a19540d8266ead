"""Reads take no write lock; a read-only unit of work refuses writes (both databases)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from kit.db import make_engine, read_only
from kit.migrate import upgrade
from kit.outbox import outbox_table, record_event
from tests.builders import make_event


@pytest.fixture
def engine(database_url):
    upgrade("applications", database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_a_read_goes_ahead_while_a_writer_holds_the_write_lock(engine):
    with engine.begin() as conn:
        record_event(conn, "applications", make_event())
    writer_inside, reader_done = threading.Event(), threading.Event()
    finished_while_writer_held = []

    def writer() -> None:
        with engine.begin() as conn:  # on SQLite: BEGIN IMMEDIATE, the write lock
            record_event(conn, "applications", make_event())
            writer_inside.set()
            # Hold the lock until the reader is through (or long enough to show it waited).
            finished_while_writer_held.append(reader_done.wait(20))

    thread = threading.Thread(target=writer)
    thread.start()
    assert writer_inside.wait(20)
    with read_only(engine) as conn:
        seen = conn.execute(select(outbox_table.c.id)).all()
    reader_done.set()
    thread.join(30)
    assert finished_while_writer_held == [True], "the read waited for the writer"
    assert len(seen) == 1, "the read sees the committed state, not the writer's pending row"


def test_a_write_inside_a_read_only_unit_of_work_is_refused(engine):
    with pytest.raises(DBAPIError), read_only(engine) as conn:
        record_event(conn, "applications", make_event())
    # The same pooled connection writes normally afterwards.
    with engine.begin() as conn:
        record_event(conn, "applications", make_event())
    with read_only(engine) as conn:
        assert len(conn.execute(select(outbox_table.c.id)).all()) == 1
