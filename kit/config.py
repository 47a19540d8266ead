"""Process configuration from environment variables, with embedded defaults for `make run`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """Where embedded databases, the embedded bus and logs live (never committed)."""
    path = Path(os.environ.get("SB_VAR_DIR", REPO_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    # Either a Kafka bootstrap address ("host:port,...") or empty for the embedded log.
    kafka_bootstrap: str = ""
    embedded_bus_path: str = ""
    environment: str = "development"
    log_level: str = "INFO"

    @property
    def bus_backend(self) -> str:
        return "kafka" if self.kafka_bootstrap else "embedded"

    @classmethod
    def from_env(cls, service: str) -> Settings:
        env = os.environ
        prefix = service.upper().replace("-", "_") + "_"
        default_db = f"sqlite:///{var_dir() / 'data' / (service + '.db')}"
        # DATABASE_URL may name one server for all services: "{service}" in it becomes the
        # service's own database, so each service still owns its data.
        template = env.get(prefix + "DATABASE_URL") or env.get("DATABASE_URL") or default_db
        database_url = normalise_database_url(template.replace("{service}", service))
        return cls(
            service=service,
            database_url=database_url,
            kafka_bootstrap=env.get("KAFKA_BOOTSTRAP", ""),
            embedded_bus_path=env.get("SB_BUS_PATH", str(var_dir() / "bus" / "log.db")),
            environment=env.get("SB_ENV", "development"),
            log_level=env.get("LOG_LEVEL", "INFO"),
        )


def normalise_database_url(url: str) -> str:
    """Accept the usual postgresql:// form and use the psycopg 3 driver we ship."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def package_of(service: str) -> str:
    """The Python package of a deployable unit: the gateway, or one of the services."""
    return "gateway" if service == "gateway" else f"services.{service}"
