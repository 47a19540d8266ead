"""The embedded log's SQLite file: its tables, and one connection opened the way every user of
the file needs it (WAL, busy timeout, writes in `BEGIN IMMEDIATE` transactions)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Sequence
from typing import Protocol

from kit.bus.base import BusUnavailable

SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY,
    partitions INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    key TEXT,
    value BLOB NOT NULL,
    headers TEXT NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    PRIMARY KEY (topic, partition, offset)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    committed INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
);
CREATE TABLE IF NOT EXISTS group_members (
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    topics TEXT NOT NULL,
    session_timeout_ms INTEGER NOT NULL,
    heartbeat_ms INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE TABLE IF NOT EXISTS partition_owners (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
);
"""


def now_ms() -> int:
    return int(time.time() * 1000)


def partition_for(key: str | None, partitions: int) -> int:
    if key is None:
        return int.from_bytes(os.urandom(2), "big") % partitions
    # crc32 is stable across processes and Python versions (unlike hash()).
    return zlib.crc32(key.encode()) % partitions


def topic_partitions(conn: sqlite3.Connection, topic: str, create: int) -> int:
    """How many partitions `topic` has, creating it with `create` if it does not exist."""
    row = conn.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
    if row:
        return int(row[0])
    conn.execute("INSERT INTO topics (name, partitions) VALUES (?, ?)", (topic, create))
    return create


class LogFile(Protocol):
    """What a group member needs of the bus it belongs to."""

    path: str
    synchronous: str
    default_partitions: int

    def ensure_topic(self, topic: str, partitions: int = ...) -> None: ...

    def end_offsets(self, topic: str) -> dict[int, int]: ...


class LogDatabase:
    """One SQLite connection, opened the way every user of the log file needs it."""

    def __init__(self, path: str, synchronous: str) -> None:
        self.conn = sqlite3.connect(
            path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.execute("PRAGMA busy_timeout=30000")
        self.lock = threading.Lock()

    def write(self, work):
        """Run `work(conn)` in one immediate (write-locked) transaction."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise BusUnavailable(f"embedded log is locked or unavailable: {exc}") from exc
            try:
                result = work(self.conn)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
            return result

    def read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def snapshot(self, work):
        """Run `work(conn)` in one deferred, read-only transaction (no write lock)."""
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                return work(self.conn)
            finally:
                self.conn.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self.conn.close()
