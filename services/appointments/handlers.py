"""Event consumers and scheduled jobs of the appointments service (run by `kit.worker
appointments`): the consents service's proxy facts become a local view; reminders go out."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kit.consumer import EventConsumer
from kit.inbox import handle_once
from kit.proxies import on_proxy_event
from kit.runtime import Runtime
from services.appointments.reminders import ReminderScheduler
from services.appointments.services import Config

GROUP = "appointments.proxy-view"


def proxy_view_consumer(runtime: Runtime, topic: str = "consents") -> EventConsumer:
    return EventConsumer(
        runtime.bus, [topic], GROUP, handle_once(runtime.engine, GROUP, on_proxy_event)
    )


def consumers(runtime: Runtime) -> list[EventConsumer]:
    return [proxy_view_consumer(runtime)]


def background_jobs(runtime: Runtime) -> list[Callable[[threading.Event], None]]:
    return [ReminderScheduler(runtime.engine, config=Config.from_env()).run]
