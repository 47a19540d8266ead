"""Building any service's Flask app on a real database (SQLite or PostgreSQL), migrated, with
real signed tokens (tests/tokens.py) and, where the test wants one, a settable clock.

A service's tests subclass BuiltService to add their own arranging helpers, and get the same
app, store, issuer and clock as every other folder's tests:

    service = service_fixture("consents", Service, clock=SettableClock)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from kit.config import Settings
from kit.migrate import upgrade
from services.applications.app import create_app as create_applications
from services.appointments.app import create_app as create_appointments
from services.consents.app import create_app as create_consents
from services.notifications.app import create_app as create_notifications
from tests.harness.clock import SettableClock
from tests.tokens import TokenIssuer

FACTORIES: dict[str, Callable[..., Any]] = {
    "applications": create_applications,
    "consents": create_consents,
    "appointments": create_appointments,
    "notifications": create_notifications,
}


@dataclass
class BuiltService:
    name: str
    app: Any  # the service's Flask app
    issuer: TokenIssuer
    clock: SettableClock | None = None

    @property
    def engine(self):
        return self.app.extensions["runtime"].engine

    def close(self) -> None:
        self.app.extensions["runtime"].close()


Built = TypeVar("Built", bound=BuiltService)


def build_service(
    name: str,
    database_url: str,
    tmp_path: Path,
    cls: type[Built] = BuiltService,  # type: ignore[assignment]
    *,
    clock: SettableClock | None = None,
    issuer: TokenIssuer | None = None,
    **create_kwargs: Any,
) -> Built:
    """The service `name` on `database_url` (migrated first), its embedded bus in tmp_path."""
    upgrade(name, database_url)
    settings = Settings(
        service=name, database_url=database_url, embedded_bus_path=str(tmp_path / "bus.db")
    )
    issuer = issuer or TokenIssuer()
    if clock is not None:
        create_kwargs["clock"] = clock
    app = FACTORIES[name](settings, verifier=issuer.verifier(), **create_kwargs)
    return cls(name, app, issuer, clock)


def sqlite_url(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / f'{name}.db'}"


def service_fixture(
    name: str,
    cls: type[BuiltService] = BuiltService,
    *,
    clock: Callable[[], SettableClock] | None = None,
    sqlite_only: bool = False,
    **create_kwargs: Any,
):
    """A pytest fixture: the service on each database (or SQLite only), closed afterwards;
    `clock` makes each test's clock (e.g. SettableClock)."""

    def start(tmp_path: Path, database_url: str) -> Iterator[BuiltService]:
        built = build_service(
            name,
            database_url,
            tmp_path,
            cls,
            clock=clock() if clock else None,
            **create_kwargs,
        )
        yield built
        built.close()

    if sqlite_only:

        @pytest.fixture
        def sqlite_service(tmp_path):
            yield from start(tmp_path, sqlite_url(tmp_path, name))

        return sqlite_service

    @pytest.fixture
    def service(database_url, tmp_path):
        yield from start(tmp_path, database_url)

    return service
