"""Event consumers and scheduled jobs of the appointments service (run by `kit.worker
appointments`): the consents service's proxy facts and the applications service's case
assignments become local views; reminders go out."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Connection

from kit import relations
from kit.consumer import EventConsumer
from kit.events import Event
from kit.inbox import handle_once
from kit.proxies import on_proxy_event
from kit.runtime import Runtime
from services.appointments import store
from services.appointments.reminders import ReminderScheduler
from services.appointments.services import Config

GROUP = "appointments.proxy-view"
RELATIONS = "appointments.staff-relations"


def on_relation_event(conn: Connection, event: Event) -> None:
    """Case assignments (applications) relate caseworkers to citizens (kit.policy); visits
    are this service's own appointments."""
    relations.on_application_event(conn, store.assignment_view, event)


def proxy_view_consumer(runtime: Runtime, topic: str = "consents") -> EventConsumer:
    return EventConsumer(
        runtime.bus, [topic], GROUP, handle_once(runtime.engine, GROUP, on_proxy_event)
    )


def consumers(runtime: Runtime) -> list[EventConsumer]:
    return [
        proxy_view_consumer(runtime),
        EventConsumer(
            runtime.bus,
            ["applications"],
            RELATIONS,
            handle_once(runtime.engine, RELATIONS, on_relation_event),
        ),
    ]


def background_jobs(runtime: Runtime) -> list[Callable[[threading.Event], None]]:
    return [ReminderScheduler(runtime.engine, config=Config.from_env()).run]
