"""Fixtures of the notifications tests: the service on each database, a settable clock,
simulated providers, and a way to deliver events as the consumer would."""

from __future__ import annotations

import contextlib
from functools import cached_property

from kit.events import Event
from kit.inbox import AlreadyHandled, handle_once
from services.notifications.handlers import GROUP, event_handler
from services.notifications.providers import SimulatedProvider, simulated_providers
from services.notifications.sender import Sender
from services.notifications.services import Notifications
from tests.builders import outbox_events
from tests.harness.callers import Caller as HarnessCaller
from tests.harness.clock import SettableClock
from tests.harness.services import BuiltService, build_service, service_fixture
from tests.notifications.builders import T0, person


class Caller(HarnessCaller):
    prefix = "/api/notifications"


class Service(BuiltService):
    clock: SettableClock

    @cached_property
    def providers(self) -> dict[str, SimulatedProvider]:
        return simulated_providers()

    @property
    def notifications(self) -> Notifications:
        return self.app.extensions["notifications"]  # type: ignore[attr-defined]

    def deliver(self, *events: Event) -> None:
        """Hand events to the handler as the consumer does (inbox included)."""
        handle = handle_once(self.engine, GROUP, event_handler(self.notifications))
        for event in events:
            with contextlib.suppress(AlreadyHandled):
                handle(event)

    def sender(self, **kwargs) -> Sender:
        return Sender(self.notifications, self.providers, clock=self.clock, **kwargs)

    def send(self) -> int:
        return self.sender().run_once()

    def citizen(self, person_id: str | None = None) -> Caller:
        person_id = person_id or person()
        return Caller(
            self.app.test_client(),  # type: ignore[attr-defined]
            self.issuer.citizen(person_id, "0101901234"),
            person_id,
        )

    def staff(self, *roles: str) -> Caller:
        staff_id = person()
        return Caller(
            self.app.test_client(),  # type: ignore[attr-defined]
            self.issuer.staff(staff_id, list(roles)),
            staff_id,
        )

    def machine(self, *scopes: str) -> Caller:
        return Caller(
            self.app.test_client(),  # type: ignore[attr-defined]
            self.issuer.machine("sms-gateway", list(scopes)),
            "sms-gateway",
        )

    def contact(self, person_id: str, **fields) -> None:
        admin = self.staff("notifications_admin")
        response = admin.put(f"/contacts/{person_id}", fields)
        assert response.status_code == 200, response.json

    def messages(self, citizen_id: str) -> list[dict]:
        return self.notifications.messages_about(citizen_id)

    def events(self) -> list[Event]:
        return outbox_events(self.engine)

    def event_types(self, message_id: str) -> list[str]:
        return [e.type.split(".")[3] for e in self.events() if e.data["message_id"] == message_id]


def start_service(database_url: str, tmp_path) -> Service:
    return build_service("notifications", database_url, tmp_path, Service, clock=SettableClock(T0))


service = service_fixture("notifications", Service, clock=lambda: SettableClock(T0))
sqlite_service = service_fixture(
    "notifications", Service, clock=lambda: SettableClock(T0), sqlite_only=True
)
