"""Fixtures for the real parts: the bus backends and the databases.

`make test` starts Kafka and PostgreSQL (infra/) and sets KAFKA_BOOTSTRAP and
SB_TEST_POSTGRES_URL, plus SB_REQUIRE_REAL_INFRA=1 so that a missing broker or database is a
failure, not a skip. Run without them (plain `pytest`), the real-infrastructure variants skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from kit.bus import connect_bus
from kit.bus.base import Bus
from kit.config import normalise_database_url
from tests.harness.clock import SettableClock

REQUIRE_REAL = os.environ.get("SB_REQUIRE_REAL_INFRA") == "1"
# Spans are made and propagated in every test, but written only where a test asks for them
# (tests/harness/traces.py); platforms a test starts inherit this too.
os.environ.setdefault("SB_TRACE_EXPORTER", "none")


def _missing(what: str) -> None:
    if REQUIRE_REAL:
        pytest.fail(f"{what} is required (SB_REQUIRE_REAL_INFRA=1) but not configured")
    pytest.skip(f"{what} not configured; `make test` starts it")


def kafka_bootstrap() -> str:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "")
    if not bootstrap:
        _missing("Kafka (KAFKA_BOOTSTRAP)")
    return bootstrap


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
def bus_spec(request, tmp_path) -> dict[str, str]:
    """How to reach a bus, so that subprocesses can connect to the same one."""
    if request.param == "kafka":
        return {"kafka_bootstrap": kafka_bootstrap(), "embedded_path": ""}
    return {"kafka_bootstrap": "", "embedded_path": str(tmp_path / "bus.db")}


@pytest.fixture
def bus(bus_spec) -> Iterator[Bus]:
    bus = connect_bus(client_id="tests-" + uuid.uuid4().hex[:6], **bus_spec)
    yield bus
    bus.close()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("SB_TEST_POSTGRES_URL", "")
    if not url:
        _missing("PostgreSQL (SB_TEST_POSTGRES_URL)")
    return normalise_database_url(url)


def _fresh_postgres_database(admin_url: str) -> Iterator[str]:
    name = "test_" + uuid.uuid4().hex[:12]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> Iterator[str]:
    """An empty database of each kind we support."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.db'}"
        return
    yield from _fresh_postgres_database(request.getfixturevalue("postgres_admin_url"))


@pytest.fixture
def clock() -> SettableClock:
    """A clock the test moves by hand (`clock.advance(minutes=5)`), starting at kit.clock.now();
    hand it to whatever takes `clock=` instead of sleeping."""
    return SettableClock()


# Shared stack fixtures (tests/harness/), available to every folder without importing another
# folder's conftest.
from tests.harness.overview_index import connector, stub  # noqa: E402

__all__ = ["connector", "stub"]
