"""Event consumers of the applications service: the consents service's facts become a local
view (which consents and proxies are valid), never a read of its tables."""

from __future__ import annotations

from sqlalchemy import Connection

from kit import proxies, relations
from kit.consumer import EventConsumer
from kit.events import Event
from kit.inbox import handle_once
from kit.runtime import Runtime
from schemas.events import consents as consent_events
from services.applications import casework_store
from services.applications.services import ApplicationsService as Uc

GROUP = "applications.consent-view"


def on_consent_event(conn: Connection, event: Event) -> None:
    data = event.data
    if event.type == consent_events.CONSENT_GIVEN:
        if data.get("supersedes"):
            # A newer decision replaces the older consent without a withdrawal event.
            Uc.end_consent(conn, data["supersedes"], "superseded", data["given_at"])
        Uc.record_consent(conn, data)
    elif event.type == consent_events.CONSENT_WITHDRAWN:
        Uc.end_consent(conn, data["consent_id"], "withdrawn", data["withdrawn_at"])
    elif event.type == consent_events.CONSENT_EXPIRED:
        Uc.end_consent(conn, data["consent_id"], "expired", data["expired_at"])
    else:
        proxies.on_proxy_event(conn, event)


def consent_view_consumer(runtime: Runtime, topic: str = "consents") -> EventConsumer:
    return EventConsumer(
        runtime.bus, [topic], GROUP, handle_once(runtime.engine, GROUP, on_consent_event)
    )


VISITS = "applications.visit-view"


def on_appointment_event(conn: Connection, event: Event) -> None:
    relations.on_appointment_event(conn, casework_store.visit_view, event)


def visit_view_consumer(runtime: Runtime, topic: str = "appointments") -> EventConsumer:
    """Visits relate home-care staff to a citizen (kit.policy); they come from appointments."""
    return EventConsumer(
        runtime.bus, [topic], VISITS, handle_once(runtime.engine, VISITS, on_appointment_event)
    )


def consumers(runtime: Runtime) -> list[EventConsumer]:
    return [consent_view_consumer(runtime), visit_view_consumer(runtime)]
