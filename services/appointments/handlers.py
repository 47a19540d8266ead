"""Event consumers and scheduled jobs of the appointments service (run by `kit.worker
appointments`): the consents service's proxy facts become a local view; reminders go out."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Connection

from kit.consumer import EventConsumer
from kit.events import Event
from kit.inbox import handle_once
from kit.runtime import Runtime
from schemas.events import consents as consent_events
from services.appointments.reminders import ReminderScheduler
from services.appointments.services import Appointments, Config

GROUP = "appointments.proxy-view"


def on_proxy_event(conn: Connection, event: Event) -> None:
    if event.type == consent_events.PROXY_GRANTED:
        Appointments.record_proxy(conn, event.data)
    elif event.type == consent_events.PROXY_REVOKED:
        Appointments.end_proxy(conn, event.data["proxy_id"], "revoked")
    elif event.type == consent_events.PROXY_EXPIRED:
        Appointments.end_proxy(conn, event.data["proxy_id"], "expired")
    # Consent events on the same topic are not ours to act on.


def proxy_view_consumer(runtime: Runtime, topic: str = "consents") -> EventConsumer:
    return EventConsumer(
        runtime.bus, [topic], GROUP, handle_once(runtime.engine, GROUP, on_proxy_event)
    )


def consumers(runtime: Runtime) -> list[EventConsumer]:
    return [proxy_view_consumer(runtime)]


def background_jobs(runtime: Runtime) -> list[Callable[[threading.Event], None]]:
    return [ReminderScheduler(runtime.engine, config=Config.from_env()).run]
