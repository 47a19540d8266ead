"""Application events reach the index through each bus backend, once and in order, while the
push job runs beside the consumer as in the worker."""

from __future__ import annotations

import threading

from kit.consumer import EventConsumer
from kit.events import encode_event
from kit.inbox import handle_once
from tests.builders import outbox_events, unique
from tests.harness.overview_index import Connector
from tests.overview.builders import CaseEvents
from tests.waiting import wait_until


def test_events_on_the_bus_reach_the_index_once_and_in_order(bus, database_url, stub):
    connector = Connector(database_url, stub)
    topic, group = unique("applications"), unique("overview")
    cases = [CaseEvents() for _ in range(3)]
    for case in cases:
        life = case.full_life()
        for event in life + life[:4]:  # the first events delivered twice
            bus.publish(topic, event.key, encode_event(event))
    consumer = EventConsumer(
        bus,
        [topic],
        group,
        handle_once(connector.engine, group, connector.service.take_event),
        session_timeout_s=10.0,
        poll_timeout_s=0.2,
    )
    stop = threading.Event()
    pushing = threading.Thread(target=connector.pusher.run, args=(stop,))
    pushing.start()
    try:
        wait_until(
            lambda: (
                all(
                    stub.records().get(c.application_id, {}).get("FremdriftStatusKode")
                    == "Afsluttet"
                    for c in cases
                )
                and connector.counts()["pending"] == 0
            ),
            120,
            step=consumer.run_once,
            message="every case closed in the index",
        )
    finally:
        stop.set()
        pushing.join(10)
        consumer.close()
        connector.close()
    for case in cases:
        versions = [e["version"] for e in stub.received(case.application_id)]
        assert versions == sorted(set(versions))
    assert len(stub.records("ydelse")) == 3


def test_a_status_change_by_a_case_system_reaches_the_borger_dk_view(database_url, stub, tmp_path):
    from datetime import date

    from kit.config import Settings
    from kit.db import make_engine
    from kit.migrate import upgrade
    from kit.runtime import Runtime
    from services.applications.app import create_app
    from services.applications.catalogue import Catalogue
    from tests.applications.builders import complete_answers, make_type
    from tests.harness.callers import PDF, Caller
    from tests.tokens import TokenIssuer

    applications_db = f"sqlite:///{tmp_path / 'applications.db'}"
    upgrade("applications", applications_db)
    engine = make_engine(applications_db)
    settings = Settings(service="applications", database_url=applications_db)
    issuer = TokenIssuer()
    app = create_app(
        settings,
        verifier=issuer.verifier(),
        runtime=Runtime(settings=settings, engine=engine),
        catalogue=Catalogue({"hjaelpemidler": make_type(id="hjaelpemidler")}),
    )
    client = app.test_client()
    citizen = Caller(client, issuer.citizen("c-1", "0101804321"), "c-1")
    case_system = Caller(client, issuer.machine("fagsystem", ["applications:case"]), "fs")
    app_id = citizen.post(
        "/api/applications", {"type": "hjaelpemidler", "answers": complete_answers()}
    ).json["id"]
    citizen.upload(f"/api/applications/{app_id}/attachments", PDF)
    assert citizen.post(f"/api/applications/{app_id}/submit").status_code == 200
    for action in (
        {"action": "start_review"},
        {"action": "decide", "outcome": "granted", "letter_title": "Afgørelse"},
        {"action": "pay", "amount_ore": 1000, "paid_on": date.today().isoformat()},
    ):
        assert (
            case_system.post(f"/api/applications/{app_id}/case-actions", action).status_code == 200
        )
    connector = Connector(database_url, stub)
    for event in outbox_events(engine):
        connector.deliver(event)
    connector.push_all()
    engine.dispose()
    connector.close()
    assert stub.records()[app_id]["FremdriftStatusKode"] == "Afgjort"
    assert "Til dig: Afgørelse" in stub.page()
