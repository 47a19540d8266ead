"""The bus interface both backends implement, with Kafka's semantics as the reference."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

DEFAULT_PARTITIONS = 3


class TopicPartition(NamedTuple):
    topic: str
    partition: int


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)
    timestamp_ms: int = 0

    @property
    def topic_partition(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)


@dataclass(frozen=True)
class OutgoingRecord:
    topic: str
    key: str | None
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)


class BusUnavailable(Exception):
    """The bus could not take or give messages now (broker down, timeout). Transient."""


class CommitFailed(Exception):
    """The partition was taken from this consumer (rebalance); the record will be redelivered."""


class Bus(abc.ABC):
    system = "unknown"  # what traces call it (messaging.system)

    @abc.abstractmethod
    def publish_batch(self, records: Sequence[OutgoingRecord]) -> int:
        """Publish in order; return how many of the first records are durably stored.

        Stops at the first failure so that what follows is never stored before what precedes
        it (per-key order). Raises BusUnavailable only if none could be stored.
        """

    def publish(
        self, topic: str, key: str | None, value: bytes, headers: dict[str, str] | None = None
    ) -> None:
        """Publish one record; returns once the bus has durably stored it."""
        self.publish_batch([OutgoingRecord(topic, key, value, headers or {})])

    @abc.abstractmethod
    def consumer(
        self,
        topics: Iterable[str],
        group_id: str,
        *,
        session_timeout_s: float = 10.0,
        client_id: str = "",
    ) -> BusConsumer:
        """A member of `group_id`; the group's members share the topics' partitions."""

    @abc.abstractmethod
    def ensure_topic(self, topic: str, partitions: int = DEFAULT_PARTITIONS) -> None:
        """Create the topic if it does not exist (idempotent)."""

    @abc.abstractmethod
    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written, per partition."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise BusUnavailable when the bus cannot be reached."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""


class BusConsumer(abc.ABC):
    @abc.abstractmethod
    def poll(self, timeout_s: float = 1.0, max_records: int = 100) -> list[Record]:
        """Records from the partitions this member owns, in offset order per partition."""

    @abc.abstractmethod
    def commit(self, record: Record) -> None:
        """Mark `record` and everything before it in its partition as handled.

        Raises CommitFailed if the partition is no longer this member's.
        """

    @abc.abstractmethod
    def seek(self, record: Record) -> None:
        """Deliver `record` (and what follows it) again on the next poll."""

    @abc.abstractmethod
    def assignment(self) -> set[TopicPartition]:
        """The partitions this member owns now."""

    @abc.abstractmethod
    def lag(self) -> dict[TopicPartition, int]:
        """Records not yet committed, per owned partition."""

    @abc.abstractmethod
    def close(self) -> None:
        """Leave the group; uncommitted records go to the next owner."""
