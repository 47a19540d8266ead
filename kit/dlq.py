"""Inspect and replay a consumer group's dead letters (`<group>.dlq`).

    python -m kit.dlq list GROUP
    python -m kit.dlq replay GROUP [--reason CODE]

Replay publishes each dead letter again to the topic it came from, with its original key
and value (so the same event id: consumers' inboxes absorb it where it was handled before),
minus the dlq_* headers, plus `dlq_replayed_from`. Progress is kept in the consumer group
`<group>.dlq-replay`, so running replay twice does not send anything twice. Fix the cause
first (a handler bug, a missing reference), then replay.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid

from kit.bus import Bus, connect_bus
from kit.bus.base import Record
from kit.config import Settings
from kit.consumer import dead_letter_topic


def list_dead_letters(bus: Bus, group: str) -> list[Record]:
    consumer = bus.consumer(
        [dead_letter_topic(group)], f"{group}.dlq-inspect-{uuid.uuid4()}", session_timeout_s=6.0
    )
    records: list[Record] = []
    quiet = 0
    try:
        while quiet < 3:
            batch = consumer.poll(1.0)
            quiet = 0 if batch else quiet + 1
            records.extend(batch)
    finally:
        consumer.close()
    return records


def replay(bus: Bus, group: str, reason: str | None = None) -> int:
    """Republish the dead letters not replayed before; returns how many were sent."""
    consumer = bus.consumer(
        [dead_letter_topic(group)], f"{group}.dlq-replay", session_timeout_s=6.0
    )
    sent = 0
    quiet = 0
    try:
        while quiet < 3:
            batch = consumer.poll(1.0)
            quiet = 0 if batch else quiet + 1
            for record in batch:
                if reason is None or record.headers.get("dlq_reason") == reason:
                    headers = {k: v for k, v in record.headers.items() if not k.startswith("dlq_")}
                    headers["dlq_replayed_from"] = (
                        f"{record.topic}@{record.partition}:{record.offset}"
                    )
                    bus.publish(
                        record.headers["dlq_original_topic"], record.key, record.value, headers
                    )
                    sent += 1
                consumer.commit(record)
    finally:
        consumer.close()
    return sent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("group")
    parser.add_argument("--reason", help="replay only dead letters with this dlq_reason")
    args = parser.parse_args(argv)
    settings = Settings.from_env("dlq")
    bus = connect_bus(settings.kafka_bootstrap, settings.embedded_bus_path, client_id="dlq")
    try:
        if args.command == "list":
            for record in list_dead_letters(bus, args.group):
                # Headers only: the value may hold personal data and is not printed.
                print(
                    json.dumps(
                        {
                            "offset": f"{record.partition}:{record.offset}",
                            **{
                                k: v
                                for k, v in record.headers.items()
                                if k.startswith("dlq_") or k.startswith("ce_")
                            },
                        },
                        ensure_ascii=False,
                    )
                )
        else:
            print(
                f"replayed {replay(bus, args.group, args.reason)} dead letter(s)", file=sys.stderr
            )
    finally:
        bus.close()


if __name__ == "__main__":
    main()
