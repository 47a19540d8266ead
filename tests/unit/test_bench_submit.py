"""The end-to-end benchmark's arithmetic: latencies per application from the records' times."""

from datetime import UTC, datetime, timedelta

import pytest

from bench.bench_submit import first_at, last_at, leg_latencies, percentile

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert percentile([5, 1, 3], 50) == 3  # unsorted input
    with pytest.raises(ValueError):
        percentile([], 50)


def test_a_leg_is_timed_per_application_and_the_missing_are_named():
    started = {"a": T0, "b": T0 + timedelta(seconds=1), "c": T0}
    reached = {"a": T0 + timedelta(milliseconds=120), "b": T0 + timedelta(seconds=1.5)}
    took, missing = leg_latencies(started, reached)
    assert sorted(took) == pytest.approx([120.0, 500.0])
    assert missing == ["c"]


def test_the_receipt_is_its_first_delivery_and_the_record_its_last_push():
    pairs = [("a", T0 + timedelta(seconds=2)), ("a", T0 + timedelta(seconds=1)), ("b", T0)]
    assert first_at(pairs) == {"a": T0 + timedelta(seconds=1), "b": T0}
    assert last_at(pairs) == {"a": T0 + timedelta(seconds=2), "b": T0}
