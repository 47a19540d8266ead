"""One correlation id follows a citizen's request from the HTTP call through the outbox, the
bus and every consumer, to the letter handed to the provider and the push to Mit Overblik:
an operator can follow one request through the whole platform."""

from __future__ import annotations

import uuid

from kit.bus import connect_bus
from kit.config import Settings
from kit.consumer import EventConsumer
from kit.db import make_engine
from kit.inbox import handle_once
from kit.migrate import upgrade
from kit.outbox import OutboxRelay
from kit.runtime import Runtime
from services.applications.app import create_app as create_applications
from services.applications.catalogue import Catalogue
from services.notifications.handlers import GROUP as NOTIFICATIONS_GROUP
from services.notifications.handlers import event_handler
from services.notifications.providers import PROVIDER_SETTINGS, SimulatedProvider
from services.notifications.sender import Sender
from services.notifications.services import Notifications
from services.overview.handlers import GROUP as OVERVIEW_GROUP
from tests.applications.builders import complete_answers, make_type
from tests.builders import outbox_events
from tests.harness.callers import PDF, Caller
from tests.harness.overview_index import Connector
from tests.tokens import TokenIssuer
from tests.waiting import wait_until


def _database(tmp_path, service: str) -> str:
    url = f"sqlite:///{tmp_path / (service + '.db')}"
    upgrade(service, url)
    return url


def test_one_correlation_id_follows_a_submission_to_the_letter_and_the_index(tmp_path, stub):
    correlation = "journey-" + uuid.uuid4().hex
    bus = connect_bus(kafka_bootstrap="", embedded_path=str(tmp_path / "bus.db"))

    # The citizen submits an application over HTTP, naming the request's correlation id.
    applications_url = _database(tmp_path, "applications")
    applications_engine = make_engine(applications_url)
    settings = Settings(service="applications", database_url=applications_url)
    issuer = TokenIssuer()
    app = create_applications(
        settings,
        verifier=issuer.verifier(),
        runtime=Runtime(settings=settings, engine=applications_engine),
        catalogue=Catalogue({"hjaelpemidler": make_type(id="hjaelpemidler")}),
    )
    citizen = Caller(
        app.test_client(),
        issuer.citizen("c-journey", "0101804321"),
        "c-journey",
        headers={"X-Correlation-ID": correlation},
    )
    application_id = citizen.post(
        "/api/applications", {"type": "hjaelpemidler", "answers": complete_answers()}
    ).json["id"]
    citizen.upload(f"/api/applications/{application_id}/attachments", PDF)
    submitted = citizen.post(f"/api/applications/{application_id}/submit")
    assert submitted.status_code == 200, submitted.json

    # The application events carry it in the outbox, and on the bus after the relay.
    recorded = outbox_events(applications_engine)
    assert recorded and {e.correlation_id for e in recorded} == {correlation}
    assert OutboxRelay(applications_engine, bus, service="applications").publish_pending()

    # Notifications consumes them, makes the receipt letter and hands it to the provider.
    notifications_engine = make_engine(_database(tmp_path, "notifications"))
    notifications = Notifications(notifications_engine)
    letters = EventConsumer(
        bus,
        ["applications"],
        NOTIFICATIONS_GROUP,
        handle_once(notifications_engine, NOTIFICATIONS_GROUP, event_handler(notifications)),
        poll_timeout_s=0.2,
    )
    # The Mit Overblik connector consumes the same events and pushes the case to the index.
    connector = Connector(_database(tmp_path, "overview"), stub)
    index = EventConsumer(
        bus, ["applications"], OVERVIEW_GROUP, connector.handler, poll_timeout_s=0.2
    )
    providers = {name: SimulatedProvider(name) for name in PROVIDER_SETTINGS}
    sender = Sender(notifications, providers)
    try:
        wait_until(
            lambda: any(p.sent for p in providers.values()),
            60,
            step=lambda: (letters.run_once(), sender.run_once()),
            message="the receipt letter to reach a provider",
        )
        wait_until(
            lambda: bool(stub.received(application_id)),
            60,
            step=lambda: (index.run_once(), connector.pusher.run_once()),
            message="the case to reach the index",
        )
    finally:
        letters.close()
        index.close()
        bus.close()

    sent = [m for p in providers.values() for m in p.sent.values()]
    assert sent and {m.correlation_id for m in sent} == {correlation}
    assert {push["correlation_id"] for push in stub.received(application_id)} == {correlation}
    # The letter's own events (created, sending, delivered) say so too.
    letter_events = outbox_events(notifications_engine)
    assert letter_events and {e.correlation_id for e in letter_events} == {correlation}
    connector.close()
    applications_engine.dispose()
    notifications_engine.dispose()
