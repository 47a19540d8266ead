"""An idle member of an embedded-log consumer group looks at the group without writing: it takes
the log's write lock only when the group changed (kit.bus.embedded_consumer). Every member polls
every 10 ms, so a write per look kept the workers busy while idle and made the relays'
publishing queue behind them."""

from __future__ import annotations

from kit.bus.base import OutgoingRecord
from kit.bus.embedded import EmbeddedBus


def test_idle_polls_do_not_write_and_a_new_member_still_gets_its_partitions(tmp_path, monkeypatch):
    bus = EmbeddedBus(str(tmp_path / "log.db"), default_partitions=2)
    bus.ensure_topic("t")
    first = bus.consumer(["t"], "g", session_timeout_s=30)
    try:
        first.poll(timeout_s=0)  # takes both partitions: writes
        writes = []
        write = first._db.write
        monkeypatch.setattr(first._db, "write", lambda work: writes.append(work) or write(work))
        for _ in range(5):
            assert first.poll(timeout_s=0.05) == []
        assert writes == []  # looked without the write lock, about 25 times

        second = bus.consumer(["t"], "g", session_timeout_s=30)
        try:
            first.poll(timeout_s=0)  # the group changed: gives one partition up
            second.poll(timeout_s=0)
            bus.publish_batch([OutgoingRecord("t", f"k{n}", b"{}") for n in range(20)])
            got_first = {r.partition for r in first.poll(timeout_s=0.2)}
            got_second = {r.partition for r in second.poll(timeout_s=0.2)}
            assert got_first and got_second and not (got_first & got_second)
        finally:
            second.close()
    finally:
        first.close()
        bus.close()
