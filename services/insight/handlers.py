"""The insight exporter's consumer (run by `kit.worker insight`): every fact of the platform
becomes an occurrence in the insight store, once, with only what process mining needs."""

from __future__ import annotations

import os

from sqlalchemy import Connection

from kit.consumer import EventConsumer
from kit.events import Event
from kit.inbox import handle_once
from kit.runtime import Runtime
from services.insight import store
from services.insight.activities import occurrence

GROUP = "insight.export"
TOPICS = ("applications", "consents", "appointments", "notifications")


def take_event(conn: Connection, event: Event) -> None:
    seen = occurrence(event)
    if seen is not None:
        store.record(conn, seen)


def consumers(runtime: Runtime) -> list[EventConsumer]:
    topics = os.environ.get("SB_INSIGHT_TOPICS", " ".join(TOPICS)).split()
    return [
        EventConsumer(runtime.bus, topics, GROUP, handle_once(runtime.engine, GROUP, take_event))
    ]
