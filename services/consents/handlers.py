"""Event consumers and scheduled jobs of the consents service (run by `kit.worker consents`)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kit.consumer import EventConsumer
from kit.runtime import Runtime
from services.consents.expiry import ExpiryScheduler


def consumers(runtime: Runtime) -> list[EventConsumer]:
    # The service acts on requests, not on other services' events.
    return []


def background_jobs(runtime: Runtime) -> list[Callable[[threading.Event], None]]:
    return [ExpiryScheduler(runtime.engine).run]
