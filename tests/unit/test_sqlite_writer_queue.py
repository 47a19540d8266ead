"""SQLite writers of one process queue on a lock of their own (kit.db), so that under load the
write lock is handed on at once instead of sitting free while SQLite's busy handler sleeps.
The lock must be held for exactly one write transaction: taken at BEGIN IMMEDIATE, given back
on commit, rollback, an error, and a connection returned to the pool unfinished."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from kit.db import make_engine, read_only, writer_lock


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


@pytest.fixture
def lock(tmp_path):
    return writer_lock(str((tmp_path / "queue.db").resolve()))


def test_a_write_transaction_holds_the_lock_until_it_commits(engine, lock):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert lock.locked()
    assert not lock.locked()
    with read_only(engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
        assert not lock.locked()  # readers never queue


def test_the_lock_is_given_back_when_the_transaction_fails(engine, lock):
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        raise RuntimeError("the use case refused")
    assert not lock.locked()
    with pytest.raises(OperationalError), engine.begin() as conn:
        conn.execute(text("INSERT INTO no_such_table VALUES (1)"))
    assert not lock.locked()
    conn = engine.connect()
    conn.begin()
    conn.execute(text("INSERT INTO t VALUES (2)"))
    conn.close()  # back to the pool unfinished: rolled back
    assert not lock.locked()
    with read_only(engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_writers_in_many_threads_all_get_their_turn(engine, lock):
    def write() -> None:
        for _ in range(25):
            with engine.begin() as conn:
                n = conn.execute(text("SELECT count(*) FROM t")).scalar()
                conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with read_only(engine) as conn:
        rows = conn.execute(text("SELECT n FROM t ORDER BY n")).scalars().all()
    assert rows == list(range(200))  # one writer at a time: every count was the latest
    assert not lock.locked()
