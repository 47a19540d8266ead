"""The event bus: one small interface, two backends (Apache Kafka and an embedded SQLite log)."""

from kit.bus.base import Bus, BusConsumer, BusUnavailable, CommitFailed, Record, TopicPartition

__all__ = [
    "Bus",
    "BusConsumer",
    "BusUnavailable",
    "CommitFailed",
    "Record",
    "TopicPartition",
    "connect_bus",
]


def connect_bus(kafka_bootstrap: str = "", embedded_path: str = "", client_id: str = "sb") -> Bus:
    """The Kafka backend when a bootstrap address is given, else the embedded log."""
    if kafka_bootstrap:
        from kit.bus.kafka import KafkaBus

        return KafkaBus(kafka_bootstrap, client_id=client_id)
    from kit.bus.embedded import EmbeddedBus

    return EmbeddedBus(embedded_path)
