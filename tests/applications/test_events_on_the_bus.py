"""The applications service's events leave through the outbox onto each bus backend exactly
once per fact, and the consents service's events reach its local view through the bus."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from kit.config import Settings
from kit.consumer import EventConsumer
from kit.db import make_engine
from kit.events import Actor, Event, decode_event, encode_event
from kit.migrate import upgrade
from kit.outbox import OutboxRelay, backlog
from kit.runtime import Runtime
from schemas.events import applications as ev
from schemas.events import consents as consent_events
from services.applications.app import create_app
from services.applications.catalogue import Catalogue
from services.applications.handlers import consent_view_consumer
from tests.applications.builders import complete_answers, make_type
from tests.builders import unique
from tests.harness.callers import PDF, Caller
from tests.tokens import TokenIssuer
from tests.waiting import wait_until


def test_every_fact_reaches_the_bus_once_and_consents_arrive_through_it(
    bus, database_url, tmp_path
):
    upgrade("applications", database_url)
    engine = make_engine(database_url)
    topic, consents_topic = unique("applications"), unique("consents")
    settings = Settings(service="applications", database_url=database_url)
    runtime = Runtime(settings=settings, engine=engine, _bus=bus)
    issuer = TokenIssuer()
    app = create_app(
        settings,
        verifier=issuer.verifier(),
        runtime=runtime,
        catalogue=Catalogue({"testhjaelp": make_type()}),
    )
    app.extensions["applications"].topic = topic
    client = app.test_client()
    person = str(uuid.uuid4())
    citizen = Caller(client, issuer.citizen(person, "0101011234"), person)
    case_system = Caller(client, issuer.machine("fagsystem", ["applications:case"]), "fs")

    app_id = citizen.post(
        "/api/applications", {"type": "testhjaelp", "answers": complete_answers()}
    ).json["id"]

    # The consents service grants consent; the event comes over the bus, twice (redelivery).
    consent = Event(
        type=consent_events.CONSENT_GIVEN,
        source="/services/consents",
        subject=person,
        actor=Actor(person, "citizen", "portal"),
        data={
            "consent_id": str(uuid.uuid4()),
            "citizen_id": person,
            "purpose": "enkeltudgifter.trangsvurdering",
            "data_categories": ["income"],
            "sources": ["eindkomst"],
            "case_ref": app_id,
            "legal_basis": "retssikkerhedsloven § 11 a",
            "text_version": "1",
            "given_at": datetime.now(UTC).isoformat(),
            "expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "given_by": person,
            "channel": "portal",
        },
    )
    for _ in range(2):
        bus.publish(consents_topic, person, encode_event(consent))
    view = consent_view_consumer(runtime, consents_topic)
    wait_until(
        lambda: citizen.post(f"/api/applications/{app_id}/fetches/income").status_code == 200,
        60,
        step=view.run_once,
        message="the consent to reach the local view",
    )
    view.close()

    citizen.upload(f"/api/applications/{app_id}/attachments", PDF)
    citizen.post(f"/api/applications/{app_id}/submit")
    for action in (
        {"action": "start_review"},
        {"action": "decide", "outcome": "granted", "letter_title": "Afgørelse"},
        {"action": "pay", "amount_ore": 1000, "paid_on": date.today().isoformat()},
        {"action": "close"},
    ):
        assert (
            case_system.post(f"/api/applications/{app_id}/case-actions", action).status_code == 200
        )

    relay = OutboxRelay(engine, bus, service="applications")
    wait_until(lambda: backlog(engine) == 0, 60, step=relay.publish_pending)
    relay.publish_pending()

    received: list[Event] = []
    reader = EventConsumer(
        bus, [topic], unique("reader"), received.append, session_timeout_s=6.0, poll_timeout_s=0.2
    )
    expected = [
        ev.CREATED,
        ev.DATA_FETCHED,
        ev.DOCUMENT_ADDED,
        ev.STATUS_CHANGED,
        ev.SUBMITTED,
        ev.STATUS_CHANGED,
        ev.STATUS_CHANGED,
        ev.DOCUMENT_ADDED,
        ev.DECIDED,
        ev.STATUS_CHANGED,
        ev.PAID_OUT,
        ev.STATUS_CHANGED,
    ]
    wait_until(lambda: len(received) >= len(expected), 60, step=reader.run_once)
    reader.run_once(1.0)  # anything more would be a duplicate
    reader.close()
    assert [e.type for e in received] == expected
    assert len({e.id for e in received}) == len(received)
    assert all(e.key == app_id for e in received)
    assert decode_event(encode_event(received[4])).data["case_number"].startswith("ANS-")
    engine.dispose()
