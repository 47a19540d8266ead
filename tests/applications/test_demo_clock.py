"""The demo clock: a demo-data generator may name the time of a request, only when allowed."""

from __future__ import annotations

from datetime import UTC, datetime

from kit import clock
from tests.applications.conftest import create

DEMO = "2025-03-04T09:30:00+01:00"


def test_a_request_naming_a_demo_time_is_recorded_at_that_time_when_the_demo_clock_is_on(
    platform, monkeypatch
):
    monkeypatch.setenv(clock.DEMO_SETTING, "1")
    citizen = platform.citizen()
    citizen.headers[clock.DEMO_HEADER] = DEMO
    application_id = create(citizen).json["id"]
    created = platform.events(application_id)[0]
    assert created.time == datetime(2025, 3, 4, 8, 30, tzinfo=UTC)


def test_the_demo_time_is_ignored_unless_the_demo_clock_is_on(platform, monkeypatch):
    monkeypatch.delenv(clock.DEMO_SETTING, raising=False)
    citizen = platform.citizen()
    citizen.headers[clock.DEMO_HEADER] = DEMO
    before = datetime.now(UTC)
    application_id = create(citizen).json["id"]
    assert platform.events(application_id)[0].time >= before


def test_a_malformed_or_naive_demo_time_is_ignored():
    assert clock.parse_demo_time("yesterday") is None
    assert clock.parse_demo_time("2025-03-04T09:30:00") is None
    with clock.demo_time(datetime(2025, 1, 1, tzinfo=UTC)):
        assert clock.now().year == 2025
    assert clock.now().year >= 2026


def test_a_consumer_works_at_the_time_of_demo_history_but_at_real_time_otherwise(monkeypatch):
    old = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setenv(clock.DEMO_SETTING, "1")
    assert clock.demo_time_of(old) == old
    assert clock.demo_time_of(datetime.now(UTC)) is None
    monkeypatch.delenv(clock.DEMO_SETTING)
    assert clock.demo_time_of(old) is None


def test_a_production_start_refuses_the_demo_clock():
    import pytest

    from kit.adapters import (
        AdapterConfigurationError,
        refuse_simulated_in_production,
        simulated_in_use,
    )

    with pytest.raises(AdapterConfigurationError) as refused:
        refuse_simulated_in_production({"SB_ENV": "production", "SB_DEMO_CLOCK": "1"})
    assert "SB_DEMO_CLOCK=1" in str(refused.value)
    assert "SB_DEMO_CLOCK=1" not in simulated_in_use({"SB_DEMO_CLOCK": "0"})
