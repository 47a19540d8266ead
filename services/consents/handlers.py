"""Event consumers and scheduled jobs of the consents service (run by `kit.worker consents`)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Connection

from kit import relations
from kit.consumer import EventConsumer
from kit.events import Event
from kit.inbox import handle_once
from kit.runtime import Runtime
from services.consents import store
from services.consents.expiry import ExpiryScheduler

RELATIONS = "consents.staff-relations"


def on_relation_event(conn: Connection, event: Event) -> None:
    """Visits (appointments) and case assignments (applications) relate staff to citizens."""
    relations.on_appointment_event(conn, store.visit_view, event)
    relations.on_application_event(conn, store.assignment_view, event)


def consumers(runtime: Runtime) -> list[EventConsumer]:
    # Requests are the service's business; other services' events only tell who is related.
    return [
        EventConsumer(
            runtime.bus,
            ["appointments", "applications"],
            RELATIONS,
            handle_once(runtime.engine, RELATIONS, on_relation_event),
        )
    ]


def background_jobs(runtime: Runtime) -> list[Callable[[threading.Event], None]]:
    return [ExpiryScheduler(runtime.engine).run]
