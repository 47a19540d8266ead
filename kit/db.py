"""Database engines: one code path for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url

# Constraint names that are the same on both databases, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Execution option marking a read-only unit of work (see read_only()).
READ_ONLY = "sb_read_only"


# Column types every store uses. SEQUENCE: a key that counts up by itself (BIGINT on
# PostgreSQL; on SQLite only an INTEGER PRIMARY KEY does). ID: an id the service makes (a UUID
# as text). PERSON: a person's id (a citizen's UUID, a staff member's login).
SEQUENCE = BigInteger().with_variant(Integer, "sqlite")
ID = String(36)
PERSON = String(64)


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A read-only unit of work: one consistent snapshot, and no write lock.

    Every query that changes nothing uses this instead of `engine.begin()`. On SQLite the
    transaction is deferred (a WAL reader never waits for a writer, and a writer never waits
    for it) and `query_only` makes a stray write fail at once rather than upgrade the lock;
    on PostgreSQL it is a READ ONLY transaction. Writes keep using `engine.begin()`, which
    takes SQLite's write lock at BEGIN (BEGIN IMMEDIATE) so that two writers queue instead
    of failing with "database is locked".
    """
    options = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    with engine.connect().execution_options(**options) as conn, conn.begin():
        yield conn


def make_engine(url: str, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    # Bound values are personal data: never in an error message or a log line.
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    return create_engine(url, **kwargs)


# SQLite has one writer at a time. A writer that finds the lock taken waits in SQLite's busy
# handler, which polls with sleeps growing to 100 ms: under load the lock sat free while every
# waiting thread slept (issue 18: a submit's BEGIN IMMEDIATE was 80 % of the applications
# service's request time, at 10-20 applications/s). So the threads of one process queue for
# the write lock on a lock per database file first, and SQLite's own lock is then free or
# about to be; other processes (a service's worker) still meet at SQLite's lock as before.
_WRITERS: dict[str, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()
WRITER_WAIT_S = 30.0  # as long as the busy timeout: then SQLite decides, as before


def writer_lock(database: str) -> threading.Lock:
    """The lock the writers of this process to `database` (a file path) queue on."""
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(database, threading.Lock())


class _QueuedWriterConnection(sqlite3.Connection):
    """A driver connection that gives the process's write lock back when its write
    transaction ends: commit, rollback (also the pool's reset on return) or close."""

    sb_writer: threading.Lock | None = None

    def _release_writer(self) -> None:
        held, self.sb_writer = self.sb_writer, None
        if held is not None:
            held.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_writer()


def _sqlite_engine(url: str, **kwargs) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("hide_parameters", True)
    engine = create_engine(
        url, connect_args={"timeout": 30, "factory": _QueuedWriterConnection}, **kwargs
    )
    writers = (
        writer_lock(str(Path(database).resolve()))
        if database not in (None, "", ":memory:")
        else None
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        reading = bool(connection.get_execution_options().get(READ_ONLY))
        if connection.info.get(READ_ONLY, False) != reading:  # the pooled connection's mode
            connection.exec_driver_sql(f"PRAGMA query_only={int(reading)}")
            connection.info[READ_ONLY] = reading
        if reading:
            connection.exec_driver_sql("BEGIN")
            return
        # A writer takes the write lock at BEGIN: two deferred transactions that both read,
        # then write, would otherwise fail with "database is locked" instead of waiting.
        raw = connection.connection.dbapi_connection
        if (
            writers is not None
            and isinstance(raw, _QueuedWriterConnection)
            and raw.sb_writer is None
            and writers.acquire(timeout=WRITER_WAIT_S)
        ):
            raw.sb_writer = writers
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if isinstance(raw, _QueuedWriterConnection):
                raw._release_writer()
            raise

    return engine


class UtcDateTime(TypeDecorator):
    """Aware datetimes in UTC on both databases (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every time is stored in UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
