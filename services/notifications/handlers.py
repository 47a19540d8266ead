"""Event consumers and background jobs of the notifications service (run by `kit.worker
notifications`): other services' events become messages; jobs send them and remind."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from kit import relations
from kit.bus import Bus
from kit.consumer import EventConsumer, PermanentError
from kit.events import Event
from kit.inbox import Scope, handle_batch_once, handle_once
from kit.runtime import Runtime
from services.notifications import store
from services.notifications.domain import MissingValue
from services.notifications.providers import providers_from_env
from services.notifications.reminders import ConsentReminders
from services.notifications.sender import Sender, TokenBucket
from services.notifications.services import Notifications

GROUP = "notifications.rules"
TOPICS = ("applications", "consents", "appointments")
# Per provider: hand-overs per second, and the burst. Real providers publish their limits.
RATE_LIMITS = {"sf1601": (50.0, 100), "sms": (20.0, 40), "email": (50.0, 100)}
# Hand-overs under way at once: a provider's answer is a network round trip, not our CPU.
SEND_WORKERS = 8
# Rung by the rules consumer after each commit that handled events, so the sender of the same
# worker takes the new messages at once instead of at its next poll (which stays, for retries
# and for messages another worker replica made).
MESSAGES_DUE = threading.Event()


class CannotRender(PermanentError):
    code = "notification.cannot_render"


def event_handler(notifications: Notifications) -> Callable[[Connection, Event], None]:
    def on_event(conn: Connection, event: Event) -> None:
        # Visits and case assignments relate staff to citizens (who may read what was sent).
        relations.on_appointment_event(conn, store.visit_view, event)
        relations.on_application_event(conn, store.assignment_view, event)
        try:
            notifications.take_event(conn, event)
        except MissingValue as exc:
            # Trying again cannot fill the gap: dead-letter it, never send a letter with a hole.
            raise CannotRender(f"{event.type}: no value for {exc.extra.get('fields')}")

    return on_event


def rules_consumer(
    bus: Bus,
    notifications: Notifications,
    topics: tuple[str, ...] = TOPICS,
    group: str = GROUP,
    due: threading.Event | None = None,
) -> EventConsumer:
    """Events become messages; a poll's events in one transaction (kit.inbox). `due` is set
    after each transaction that handled events (committed: the sender can see them)."""
    handler, engine = event_handler(notifications), notifications.engine
    one = handle_once(engine, group, handler)
    batch = handle_batch_once(engine, group, handler, notifications.batched)
    if due is None:
        return EventConsumer(bus, topics, group, one, batch_handler=batch)

    def one_then_ring(event: Event) -> None:
        one(event)
        due.set()

    def batch_then_ring(events: Sequence[Event], scope: Scope) -> list[Event]:
        handled = batch(events, scope)
        if handled:
            due.set()
        return handled

    return EventConsumer(bus, topics, group, one_then_ring, batch_handler=batch_then_ring)


def consumers(runtime: Runtime) -> list[EventConsumer]:
    return [rules_consumer(runtime.bus, Notifications(runtime.engine), due=MESSAGES_DUE)]


def background_jobs(runtime: Runtime) -> list[Callable[[threading.Event], None]]:
    notifications = Notifications(runtime.engine)
    limits = {name: TokenBucket(rate, burst) for name, (rate, burst) in RATE_LIMITS.items()}
    sender = Sender(
        notifications,
        providers_from_env(),
        limits=limits,
        send_workers=SEND_WORKERS,
        due=MESSAGES_DUE,
    )
    return [sender.run, ConsentReminders(notifications).run]
