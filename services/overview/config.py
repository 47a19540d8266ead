"""The connector's settings from the environment, with `make run` defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass

from services.overview.domain import Organisation


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff between attempts of one push: exponential, capped, with jitter (tenacity's)."""

    initial_s: float = 1.0
    max_s: float = 300.0
    jitter_s: float = 1.0
    max_attempts: int = 12  # about half an hour of trying at the defaults, then dead letter


@dataclass(frozen=True)
class ConnectorConfig:
    endpoint: str
    timeout_s: float
    topic: str
    organisation: Organisation
    retry: RetryPolicy
    workers: int

    @classmethod
    def from_env(cls) -> ConnectorConfig:
        env = os.environ
        return cls(
            endpoint=env.get("OVERVIEW_ENDPOINT", "http://127.0.0.1:8300"),
            timeout_s=float(env.get("OVERVIEW_TIMEOUT_S", "5")),
            topic=env.get("OVERVIEW_TOPIC", "applications"),
            organisation=Organisation(
                cvr=env.get("OVERVIEW_MUNICIPALITY_CVR", "29189846"),
                name=env.get("OVERVIEW_MUNICIPALITY_NAME", "Testkommune"),
                unit_uuid=env.get("OVERVIEW_UNIT_UUID", "5b7c1b7e-9d44-4b2e-8d0a-6a3c2f1e9b01"),
                unit_name=env.get("OVERVIEW_UNIT_NAME", "Borgerservice"),
            ),
            retry=RetryPolicy(
                initial_s=float(env.get("OVERVIEW_RETRY_INITIAL_S", "1")),
                max_s=float(env.get("OVERVIEW_RETRY_MAX_S", "300")),
                max_attempts=int(env.get("OVERVIEW_RETRY_MAX_ATTEMPTS", "12")),
            ),
            workers=int(env.get("OVERVIEW_PUSH_WORKERS", "4")),
        )
