"""One correlation id follows a citizen's request from the HTTP call through the outbox, the
bus and every consumer, to the letter handed to the provider and the push to Mit Overblik:
an operator can follow one request through the whole platform. The same journey runs on the
embedded defaults (SQLite, the embedded bus) and on real infrastructure (PostgreSQL, Kafka)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest

from kit.bus import connect_bus
from kit.bus.base import Bus
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
from tests.builders import outbox_events, unique
from tests.conftest import _fresh_postgres_database, kafka_bootstrap
from tests.harness.callers import PDF, Caller
from tests.harness.overview_index import Connector
from tests.tokens import TokenIssuer
from tests.waiting import wait_until


@pytest.fixture(
    params=[
        "sqlite+embedded",
        pytest.param("postgresql+kafka", marks=[pytest.mark.postgres, pytest.mark.kafka]),
    ]
)
def platform_parts(request, tmp_path) -> Iterator[tuple[Bus, Callable[[str], str]]]:
    """A bus and a database per service: the embedded defaults, or PostgreSQL and Kafka."""
    with ExitStack() as cleanup:
        if request.param == "sqlite+embedded":
            bus = connect_bus(embedded_path=str(tmp_path / "bus.db"))

            def fresh(service: str) -> str:
                return f"sqlite:///{tmp_path / (service + '.db')}"
        else:
            bus = connect_bus(kafka_bootstrap(), client_id=unique("journey"))
            admin_url = request.getfixturevalue("postgres_admin_url")

            def fresh(service: str) -> str:
                return cleanup.enter_context(contextmanager(_fresh_postgres_database)(admin_url))

        def database(service: str) -> str:
            url = fresh(service)
            upgrade(service, url)
            return url

        cleanup.callback(bus.close)
        yield bus, database


def test_one_correlation_id_follows_a_submission_to_the_letter_and_the_index(platform_parts, stub):
    bus, database = platform_parts
    correlation = "journey-" + uuid.uuid4().hex
    topic = unique("applications")  # this test's own topic: Kafka is shared by every test

    # The citizen submits an application over HTTP, naming the request's correlation id.
    applications_url = database("applications")
    applications_engine = make_engine(applications_url)
    settings = Settings(service="applications", database_url=applications_url)
    issuer = TokenIssuer()
    app = create_applications(
        settings,
        verifier=issuer.verifier(),
        runtime=Runtime(settings=settings, engine=applications_engine),
        catalogue=Catalogue({"hjaelpemidler": make_type(id="hjaelpemidler")}),
    )
    app.extensions["applications"].topic = topic
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
    notifications_engine = make_engine(database("notifications"))
    notifications = Notifications(notifications_engine)
    letters = EventConsumer(
        bus,
        [topic],
        unique(NOTIFICATIONS_GROUP),
        handle_once(notifications_engine, NOTIFICATIONS_GROUP, event_handler(notifications)),
        poll_timeout_s=0.2,
    )
    # The Mit Overblik connector consumes the same events and pushes the case to the index.
    connector = Connector(database("overview"), stub)
    index = EventConsumer(
        bus, [topic], unique(OVERVIEW_GROUP), connector.handler, poll_timeout_s=0.2
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

    sent = [m for p in providers.values() for m in p.sent.values()]
    assert sent and {m.correlation_id for m in sent} == {correlation}
    assert {push["correlation_id"] for push in stub.received(application_id)} == {correlation}
    # The letter's own events (created, sending, delivered) say so too.
    letter_events = outbox_events(notifications_engine)
    assert letter_events and {e.correlation_id for e in letter_events} == {correlation}
    connector.close()
    applications_engine.dispose()
    notifications_engine.dispose()
