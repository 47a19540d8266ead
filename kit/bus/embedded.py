"""An embedded durable log on SQLite with Kafka's semantics for what the project uses.

Several processes on one machine share one database file. What it keeps from Kafka:
- topics split into partitions; a record's partition comes from its key, so one key's records
  keep their order;
- consumer groups whose live members share the partitions, each partition owned by at most one
  member at a time (an ownership row, taken only when free: no two members ever read a
  partition at once);
- committed offsets per group and partition that survive restarts; what was not committed is
  delivered again to whoever owns the partition next;
- a member that stops heartbeating for `session_timeout_s` is presumed dead and its partitions
  pass to the survivors.

Writes run in `BEGIN IMMEDIATE` transactions, so the file's write lock orders them; WAL mode
lets readers go on meanwhile.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from kit.bus.base import (
    DEFAULT_PARTITIONS,
    Bus,
    BusConsumer,
    BusUnavailable,
    CommitFailed,
    OutgoingRecord,
    Record,
    TopicPartition,
)

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


def _now_ms() -> int:
    return int(time.time() * 1000)


def partition_for(key: str | None, partitions: int) -> int:
    if key is None:
        return int.from_bytes(os.urandom(2), "big") % partitions
    # crc32 is stable across processes and Python versions (unlike hash()).
    return zlib.crc32(key.encode()) % partitions


class _Database:
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

    def close(self) -> None:
        with self.lock:
            self.conn.close()


class EmbeddedBus(Bus):
    def __init__(
        self,
        path: str,
        *,
        default_partitions: int = DEFAULT_PARTITIONS,
        synchronous: str | None = None,
    ) -> None:
        if not path:
            raise ValueError("the embedded bus needs a file path")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.default_partitions = default_partitions
        # NORMAL in WAL mode survives any process crash; FULL also survives power loss.
        self.synchronous = synchronous or os.environ.get("SB_BUS_SYNCHRONOUS", "NORMAL")
        self._db = _Database(path, self.synchronous)
        with self._db.lock:
            self._db.conn.executescript(SCHEMA)

    # -- producing -------------------------------------------------------------------------

    def _partitions(self, conn: sqlite3.Connection, topic: str, create: int | None = None) -> int:
        row = conn.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
        if row:
            return int(row[0])
        partitions = create or self.default_partitions
        conn.execute("INSERT INTO topics (name, partitions) VALUES (?, ?)", (topic, partitions))
        return partitions

    def ensure_topic(self, topic: str, partitions: int = DEFAULT_PARTITIONS) -> None:
        self._db.write(lambda conn: self._partitions(conn, topic, partitions))

    def publish_batch(self, records: Sequence[OutgoingRecord]) -> int:
        def append(conn: sqlite3.Connection) -> int:
            now = _now_ms()
            for record in records:
                partition = partition_for(record.key, self._partitions(conn, record.topic))
                (next_offset,) = conn.execute(
                    "SELECT COALESCE(MAX(offset) + 1, 0) FROM records"
                    " WHERE topic = ? AND partition = ?",
                    (record.topic, partition),
                ).fetchone()
                conn.execute(
                    "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.topic,
                        partition,
                        next_offset,
                        record.key,
                        record.value,
                        json.dumps(record.headers),
                        now,
                    ),
                )
            return len(records)

        # One transaction: the whole batch is stored, or nothing is.
        return self._db.write(append)

    def end_offsets(self, topic: str) -> dict[int, int]:
        rows = self._db.read("SELECT partitions FROM topics WHERE name = ?", (topic,))
        if not rows:
            return {}
        ends = {p: 0 for p in range(rows[0][0])}
        for partition, end in self._db.read(
            "SELECT partition, MAX(offset) + 1 FROM records WHERE topic = ? GROUP BY partition",
            (topic,),
        ):
            ends[partition] = end
        return ends

    def ping(self) -> None:
        try:
            self._db.read("SELECT 1")
        except sqlite3.Error as exc:
            raise BusUnavailable(str(exc)) from exc

    def consumer(
        self,
        topics: Iterable[str],
        group_id: str,
        *,
        session_timeout_s: float = 10.0,
        client_id: str = "",
    ) -> EmbeddedConsumer:
        return EmbeddedConsumer(self, list(topics), group_id, session_timeout_s, client_id)

    def close(self) -> None:
        self._db.close()


class EmbeddedConsumer(BusConsumer):
    POLL_INTERVAL_S = 0.01

    def __init__(
        self,
        bus: EmbeddedBus,
        topics: list[str],
        group_id: str,
        session_timeout_s: float,
        client_id: str,
    ) -> None:
        self.bus = bus
        self.topics = sorted(set(topics))
        self.group_id = group_id
        self.member_id = f"{client_id or 'consumer'}-{uuid.uuid4()}"
        self.session_timeout_ms = int(session_timeout_s * 1000)
        self.max_poll_interval_s = max(300.0, session_timeout_s)
        self._last_poll = time.monotonic()
        # Its own connection: a consumer and its heartbeat never wait on the producer's lock.
        self._db = _Database(bus.path, bus.synchronous)
        self._positions: dict[TopicPartition, int] = {}
        self._closed = threading.Event()
        for topic in self.topics:
            bus.ensure_topic(topic)
        self._db.write(self._join)
        self._heartbeat = threading.Thread(
            target=self._heartbeat_loop, daemon=True, name=f"heartbeat-{self.member_id}"
        )
        self._heartbeat.start()

    # -- membership --------------------------------------------------------------------------

    def _join(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO group_members VALUES (?, ?, ?, ?, ?)",
            (
                self.group_id,
                self.member_id,
                json.dumps(self.topics),
                self.session_timeout_ms,
                _now_ms(),
            ),
        )

    def _heartbeat_loop(self) -> None:
        interval = max(self.session_timeout_ms / 3000.0, 0.05)
        while not self._closed.wait(interval):
            if time.monotonic() - self._last_poll > self.max_poll_interval_s:
                # Like Kafka's max.poll.interval.ms: a member whose consumer thread is stuck
                # stops beating, so the group takes its partitions after the session timeout.
                continue
            try:
                self._db.write(
                    lambda conn: conn.execute(
                        "UPDATE group_members SET heartbeat_ms = ?"
                        " WHERE group_id = ? AND member_id = ?",
                        (_now_ms(), self.group_id, self.member_id),
                    )
                )
            except (BusUnavailable, sqlite3.Error):
                continue  # a missed beat is tolerated; session_timeout decides death

    def _rebalance(self, conn: sqlite3.Connection) -> set[TopicPartition]:
        """Expire dead members, free their partitions, release and take to match the plan."""
        now = _now_ms()
        conn.execute(
            "DELETE FROM group_members"
            " WHERE group_id = ? AND heartbeat_ms + session_timeout_ms < ?",
            (self.group_id, now),
        )
        members = conn.execute(
            "SELECT member_id, topics FROM group_members WHERE group_id = ? ORDER BY member_id",
            (self.group_id,),
        ).fetchall()
        if self.member_id not in {m for m, _ in members}:
            # We were presumed dead (e.g. paused too long): join again like a new member.
            self._join(conn)
            members = sorted([*members, (self.member_id, json.dumps(self.topics))])
        live = {m for m, _ in members}
        placeholders = ",".join("?" * len(live))  # only "?"s: the values are bound
        conn.execute(
            "DELETE FROM partition_owners WHERE group_id = ? AND member_id NOT IN "  # noqa: S608
            f"({placeholders})",
            (self.group_id, *sorted(live)),
        )
        owned: set[TopicPartition] = set()
        for topic in self.topics:
            subscribers = [m for m, topics in members if topic in json.loads(topics)]
            partitions = self.bus._partitions(conn, topic)
            mine = {
                p for p in range(partitions) if subscribers[p % len(subscribers)] == self.member_id
            }
            for partition in range(partitions):
                row = conn.execute(
                    "SELECT member_id FROM partition_owners"
                    " WHERE group_id = ? AND topic = ? AND partition = ?",
                    (self.group_id, topic, partition),
                ).fetchone()
                owner = row[0] if row else None
                if partition in mine and owner is None:
                    conn.execute(
                        "INSERT INTO partition_owners VALUES (?, ?, ?, ?)",
                        (self.group_id, topic, partition, self.member_id),
                    )
                    owner = self.member_id
                elif partition not in mine and owner == self.member_id:
                    conn.execute(
                        "DELETE FROM partition_owners"
                        " WHERE group_id = ? AND topic = ? AND partition = ?",
                        (self.group_id, topic, partition),
                    )
                    owner = None
                if owner == self.member_id:
                    owned.add(TopicPartition(topic, partition))
        return owned

    def _committed(self, tp: TopicPartition) -> int:
        rows = self._db.read(
            "SELECT committed FROM group_offsets"
            " WHERE group_id = ? AND topic = ? AND partition = ?",
            (self.group_id, tp.topic, tp.partition),
        )
        return int(rows[0][0]) if rows else 0  # a new group starts at the earliest record

    # -- consuming ---------------------------------------------------------------------------

    def poll(self, timeout_s: float = 1.0, max_records: int = 100) -> list[Record]:
        self._last_poll = time.monotonic()
        deadline = time.monotonic() + timeout_s
        while True:
            owned = self._db.write(self._rebalance)
            for tp in list(self._positions):
                if tp not in owned:
                    del self._positions[tp]
            for tp in owned:
                if tp not in self._positions:
                    self._positions[tp] = self._committed(tp)
            records = self._fetch(max_records)
            if records or time.monotonic() >= deadline:
                return records
            time.sleep(self.POLL_INTERVAL_S)

    def _fetch(self, max_records: int) -> list[Record]:
        records: list[Record] = []
        for tp in sorted(self._positions):
            if len(records) >= max_records:
                break
            rows = self._db.read(
                "SELECT offset, key, value, headers, timestamp_ms FROM records"
                " WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?",
                (tp.topic, tp.partition, self._positions[tp], max_records - len(records)),
            )
            for offset, key, value, headers, timestamp_ms in rows:
                records.append(
                    Record(
                        tp.topic,
                        tp.partition,
                        offset,
                        key,
                        bytes(value),
                        json.loads(headers),
                        timestamp_ms,
                    )
                )
            if rows:
                self._positions[tp] = rows[-1][0] + 1
        return records

    def commit(self, record: Record) -> None:
        tp = record.topic_partition

        def store(conn: sqlite3.Connection) -> bool:
            owner = conn.execute(
                "SELECT member_id FROM partition_owners"
                " WHERE group_id = ? AND topic = ? AND partition = ?",
                (self.group_id, tp.topic, tp.partition),
            ).fetchone()
            if not owner or owner[0] != self.member_id:
                return False
            conn.execute(
                "INSERT INTO group_offsets VALUES (?, ?, ?, ?) ON CONFLICT"
                " (group_id, topic, partition) DO UPDATE SET committed = excluded.committed",
                (self.group_id, tp.topic, tp.partition, record.offset + 1),
            )
            return True

        if not self._db.write(store):
            self._positions.pop(tp, None)
            raise CommitFailed(f"{tp} is no longer owned by {self.member_id}")

    def seek(self, record: Record) -> None:
        if record.topic_partition in self._positions:
            self._positions[record.topic_partition] = record.offset

    def assignment(self) -> set[TopicPartition]:
        return set(self._positions)

    def lag(self) -> dict[TopicPartition, int]:
        result = {}
        for tp in self._positions:
            end = self.bus.end_offsets(tp.topic).get(tp.partition, 0)
            result[tp] = max(end - self._committed(tp), 0)
        return result

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._heartbeat.join(timeout=5)

        def leave(conn: sqlite3.Connection) -> None:
            conn.execute(
                "DELETE FROM partition_owners WHERE group_id = ? AND member_id = ?",
                (self.group_id, self.member_id),
            )
            conn.execute(
                "DELETE FROM group_members WHERE group_id = ? AND member_id = ?",
                (self.group_id, self.member_id),
            )

        try:
            self._db.write(leave)
        finally:
            self._db.close()
