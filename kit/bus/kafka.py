"""The Apache Kafka backend, through kafka-python.

Events travel in CloudEvents structured mode: the record value is the whole JSON envelope, so
the same bytes go through both backends; `ce_id` and `ce_type` are copied into headers so tools
can route and inspect without parsing. The key is the aggregate id (per-key order).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KafkaTopicPartition
from kafka.admin import NewTopic
from kafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

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

log = logging.getLogger(__name__)

# How often a consumer asks the broker for metadata at the latest (kafka-python: 5 min).
METADATA_MAX_AGE_MS = 5_000


class KafkaBus(Bus):
    system = "kafka"

    def __init__(
        self, bootstrap: str, *, client_id: str = "sb", delivery_timeout_s: float = 30.0
    ) -> None:
        self.bootstrap = bootstrap.split(",")
        self.client_id = client_id
        self.delivery_timeout_s = delivery_timeout_s
        self._producer: KafkaProducer | None = None
        self._admin: KafkaAdminClient | None = None
        self._lock = threading.Lock()
        self._known_topics: set[str] = set()

    def _get_producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                try:
                    self._producer = KafkaProducer(
                        bootstrap_servers=self.bootstrap,
                        client_id=self.client_id,
                        # Durable once acknowledged by all in-sync replicas; the idempotent
                        # producer keeps retries from duplicating or reordering a partition.
                        acks="all",
                        enable_idempotence=True,
                        max_in_flight_requests_per_connection=5,
                        linger_ms=2,
                        # Fail fast when the broker is down, so the outbox keeps the events
                        # and the relay tries again later rather than blocking for minutes.
                        max_block_ms=int(self.delivery_timeout_s * 1000),
                        request_timeout_ms=int(self.delivery_timeout_s * 1000) - 1000,
                        delivery_timeout_ms=int(self.delivery_timeout_s * 1000),
                    )
                except KafkaError as exc:
                    raise BusUnavailable(f"cannot reach Kafka at {self.bootstrap}: {exc}") from exc
            return self._producer

    def _get_admin(self) -> KafkaAdminClient:
        with self._lock:
            if self._admin is None:
                try:
                    self._admin = KafkaAdminClient(
                        bootstrap_servers=self.bootstrap, client_id=self.client_id + "-admin"
                    )
                except KafkaError as exc:
                    raise BusUnavailable(f"cannot reach Kafka at {self.bootstrap}: {exc}") from exc
            return self._admin

    def publish_batch(self, records: Sequence[OutgoingRecord]) -> int:
        if not records:
            return 0
        producer = self._get_producer()
        futures = []
        try:
            for record in records:
                headers = [(k, v.encode()) for k, v in record.headers.items()]
                futures.append(
                    producer.send(
                        record.topic,
                        key=record.key.encode() if record.key is not None else None,
                        value=record.value,
                        headers=headers,
                    )
                )
            producer.flush(timeout=self.delivery_timeout_s)
        except KafkaError as exc:
            log.warning("publishing to Kafka failed: %s", exc)
        stored = 0
        for future in futures:
            try:
                future.get(timeout=self.delivery_timeout_s)
            except KafkaError as exc:
                log.warning("Kafka did not acknowledge a record: %s", exc)
                break
            stored += 1
        if stored == 0:
            # The producer may hold records it could not deliver; a new one starts clean.
            self._reset_producer()
            raise BusUnavailable("Kafka acknowledged none of the records")
        return stored

    def _reset_producer(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=1)
            except Exception:  # closing a broken producer must not raise
                log.debug("closing a failed producer raised", exc_info=True)

    def ensure_topic(self, topic: str, partitions: int = DEFAULT_PARTITIONS) -> None:
        if topic in self._known_topics:
            return
        try:
            self._get_admin().create_topics(
                [NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                wait_for_metadata=True,
            )
        except TopicAlreadyExistsError:
            pass
        except KafkaError as exc:
            raise BusUnavailable(f"cannot create topic {topic}: {exc}") from exc
        self._known_topics.add(topic)

    def end_offsets(self, topic: str) -> dict[int, int]:
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, client_id=self.client_id)
        try:
            partitions = consumer.partitions_for_topic(topic) or set()
            tps = [KafkaTopicPartition(topic, p) for p in partitions]
            return {tp.partition: end for tp, end in consumer.end_offsets(tps).items()}
        finally:
            consumer.close()

    def ping(self) -> None:
        try:
            self._get_admin().list_topics()
        except KafkaError as exc:
            raise BusUnavailable(str(exc)) from exc

    def consumer(
        self,
        topics: Iterable[str],
        group_id: str,
        *,
        session_timeout_s: float = 10.0,
        client_id: str = "",
    ) -> KafkaBusConsumer:
        topics = list(topics)
        for topic in topics:
            self.ensure_topic(topic)
        return KafkaBusConsumer(
            self.bootstrap, topics, group_id, session_timeout_s, client_id or self.client_id
        )

    def close(self) -> None:
        self._reset_producer()
        with self._lock:
            admin, self._admin = self._admin, None
        if admin is not None:
            admin.close()


class KafkaBusConsumer(BusConsumer):
    def __init__(
        self,
        bootstrap: list[str],
        topics: list[str],
        group_id: str,
        session_timeout_s: float,
        client_id: str,
    ) -> None:
        session_ms = int(session_timeout_s * 1000)
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            client_id=client_id,
            # We commit ourselves, after the handler succeeded (at-least-once).
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(session_ms // 3, 100),
            max_poll_interval_ms=max(5 * 60 * 1000, session_ms),
            fetch_max_wait_ms=100,
            # A topic created just before the group was joined can be missing from the first
            # metadata answer (no leader yet); the default (5 min) would leave the consumer
            # without partitions that long. Seen in CI: nothing consumed for 60 s.
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
        )
        self._know_partitions(topics)
        self._consumer.subscribe(topics)

    def _know_partitions(self, topics: list[str], timeout_s: float = 10.0) -> None:
        """Join the group only once this consumer's metadata has every topic's partitions: a
        group leader that assigns while a just-created topic is still unknown to it gives that
        topic's partitions to nobody (seen in CI under load: nothing consumed for 60 s)."""
        deadline = time.monotonic() + timeout_s
        try:
            for topic in topics:
                while not self._consumer.partitions_for_topic(topic):
                    if time.monotonic() > deadline:
                        log.warning("no partitions known for %s yet; subscribing anyway", topic)
                        return
                    time.sleep(0.1)
        except KafkaError as exc:
            raise BusUnavailable(str(exc)) from exc

    def poll(self, timeout_s: float = 1.0, max_records: int = 100) -> list[Record]:
        try:
            batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        except KafkaError as exc:
            raise BusUnavailable(str(exc)) from exc
        records = []
        for tp, messages in sorted(batches.items()):
            for m in messages:
                records.append(
                    Record(
                        topic=tp.topic,
                        partition=tp.partition,
                        offset=m.offset,
                        # A key that is not UTF-8 must not break the batch; the handler sees it.
                        key=m.key.decode(errors="replace") if m.key is not None else None,
                        value=m.value,
                        headers={k: v.decode(errors="replace") for k, v in (m.headers or [])},
                        timestamp_ms=m.timestamp,
                    )
                )
        return records

    def commit(self, record: Record) -> None:
        tp = KafkaTopicPartition(record.topic, record.partition)
        try:
            self._consumer.commit({tp: OffsetAndMetadata(record.offset + 1, "", -1)})
        except CommitFailedError as exc:
            raise CommitFailed(str(exc)) from exc
        except KafkaError as exc:
            raise BusUnavailable(f"commit failed: {exc}") from exc

    def seek(self, record: Record) -> None:
        tp = KafkaTopicPartition(record.topic, record.partition)
        if tp in self._consumer.assignment():
            self._consumer.seek(tp, record.offset)

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition(tp.topic, tp.partition) for tp in self._consumer.assignment()}

    def lag(self) -> dict[TopicPartition, int]:
        assigned = list(self._consumer.assignment())
        if not assigned:
            return {}
        ends = self._consumer.end_offsets(assigned)
        result = {}
        for tp in assigned:
            committed = self._consumer.committed(tp) or 0
            result[TopicPartition(tp.topic, tp.partition)] = max(ends.get(tp, 0) - committed, 0)
        return result

    def close(self) -> None:
        self._consumer.close()
