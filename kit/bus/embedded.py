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
from collections.abc import Iterable, Sequence
from pathlib import Path

from kit.bus.base import DEFAULT_PARTITIONS, Bus, BusUnavailable, OutgoingRecord
from kit.bus.embedded_consumer import EmbeddedConsumer
from kit.bus.sqlite_log import SCHEMA, LogDatabase, now_ms, partition_for, topic_partitions

__all__ = ["EmbeddedBus", "EmbeddedConsumer", "partition_for"]


class EmbeddedBus(Bus):
    system = "sb-embedded-log"

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
        self._db = LogDatabase(path, self.synchronous)
        with self._db.lock:
            self._db.conn.executescript(SCHEMA)

    # -- producing -------------------------------------------------------------------------

    def _partitions(self, conn: sqlite3.Connection, topic: str, create: int | None = None) -> int:
        return topic_partitions(conn, topic, create or self.default_partitions)

    def ensure_topic(self, topic: str, partitions: int = DEFAULT_PARTITIONS) -> None:
        self._db.write(lambda conn: self._partitions(conn, topic, partitions))

    def publish_batch(self, records: Sequence[OutgoingRecord]) -> int:
        def append(conn: sqlite3.Connection) -> int:
            now = now_ms()
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
