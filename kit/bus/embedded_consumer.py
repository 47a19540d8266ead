"""A member of a consumer group on the embedded log: membership by heartbeat, partitions
shared among live members (each owned by at most one at a time), committed offsets."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid

from kit.bus.base import BusConsumer, BusUnavailable, CommitFailed, Record, TopicPartition
from kit.bus.sqlite_log import LogDatabase, LogFile, now_ms, topic_partitions


class EmbeddedConsumer(BusConsumer):
    POLL_INTERVAL_S = 0.01

    def __init__(
        self,
        bus: LogFile,
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
        self._db = LogDatabase(bus.path, bus.synchronous)
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
                now_ms(),
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
                        (now_ms(), self.group_id, self.member_id),
                    )
                )
            except (BusUnavailable, sqlite3.Error):
                continue  # a missed beat is tolerated; session_timeout decides death

    def _rebalance(self, conn: sqlite3.Connection, dry: bool = False) -> set[TopicPartition] | None:
        """Expire dead members, free their partitions, release and take to match the plan.

        `dry`: only look (in a read transaction); the partitions owned if nothing needs to
        change, else None. A poll looks first and takes the log's write lock only when the
        group changed: every member polls every 10 ms while idle, and a write per look was
        most of the workers' idle CPU and queued the relays' publishing behind it (issue 18).
        """
        now = now_ms()
        expired = (self.group_id, now)
        if dry:
            if conn.execute(
                "SELECT 1 FROM group_members"
                " WHERE group_id = ? AND heartbeat_ms + session_timeout_ms < ? LIMIT 1",
                expired,
            ).fetchone():
                return None
        else:
            conn.execute(
                "DELETE FROM group_members"
                " WHERE group_id = ? AND heartbeat_ms + session_timeout_ms < ?",
                expired,
            )
        members = conn.execute(
            "SELECT member_id, topics FROM group_members WHERE group_id = ? ORDER BY member_id",
            (self.group_id,),
        ).fetchall()
        if self.member_id not in {m for m, _ in members}:
            if dry:
                return None
            # We were presumed dead (e.g. paused too long): join again like a new member.
            self._join(conn)
            members = sorted([*members, (self.member_id, json.dumps(self.topics))])
        live = {m for m, _ in members}
        placeholders = ",".join("?" * len(live))  # only "?"s: the values are bound
        foreign = (self.group_id, *sorted(live))
        if dry:
            if conn.execute(
                "SELECT 1 FROM partition_owners WHERE group_id = ? AND member_id NOT IN "  # noqa: S608
                f"({placeholders}) LIMIT 1",
                foreign,
            ).fetchone():
                return None
        else:
            conn.execute(
                "DELETE FROM partition_owners WHERE group_id = ? AND member_id NOT IN "  # noqa: S608
                f"({placeholders})",
                foreign,
            )
        owned: set[TopicPartition] = set()
        for topic in self.topics:
            subscribers = [m for m, topics in members if topic in json.loads(topics)]
            if dry and not conn.execute("SELECT 1 FROM topics WHERE name = ?", (topic,)).fetchone():
                return None
            partitions = topic_partitions(conn, topic, self.bus.default_partitions)
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
                    if dry:
                        return None
                    conn.execute(
                        "INSERT INTO partition_owners VALUES (?, ?, ?, ?)",
                        (self.group_id, topic, partition, self.member_id),
                    )
                    owner = self.member_id
                elif partition not in mine and owner == self.member_id:
                    if dry:
                        return None
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
            owned = self._db.snapshot(lambda conn: self._rebalance(conn, dry=True))
            if owned is None:
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
