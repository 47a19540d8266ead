"""What a service process holds: its settings, its database engine and its bus connection."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from kit.bus import Bus, connect_bus
from kit.config import Settings
from kit.db import make_engine


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    _bus: Bus | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(settings=settings, engine=make_engine(settings.database_url))

    @property
    def service(self) -> str:
        return self.settings.service

    @property
    def bus(self) -> Bus:
        # Connected on first use: a web process that never publishes directly (it writes to
        # the outbox) need not hold a broker connection.
        if self._bus is None:
            self._bus = connect_bus(
                self.settings.kafka_bootstrap,
                self.settings.embedded_bus_path,
                client_id=self.service,
            )
        return self._bus

    def check_database(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def check_bus(self) -> None:
        self.bus.ping()

    def readiness(self) -> dict:
        return {"database": self.check_database, "bus": self.check_bus}

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close()
        self.engine.dispose()
