"""One trace follows a submitted application in-process: the request's span continues the
caller's traceparent, the outbox keeps the context with the event, the relay's span puts it
in the record's headers, each consumer continues it (inbox path included), and the letter's
sending and the push to Mit Overblik are spans of the same trace; the index receives the
traceparent. No span holds a CPR number."""

from __future__ import annotations

from kit import tracing
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
from tests.harness.traces import ancestry, browser_traceparent, cpr_shaped, one
from tests.tokens import TokenIssuer
from tests.waiting import wait_until

CPR = "0101804321"


def _database(tmp_path, service: str) -> str:
    url = f"sqlite:///{tmp_path / (service + '.db')}"
    upgrade(service, url)
    return url


def test_one_trace_follows_a_submission_to_the_letter_and_the_index(tmp_path, stub, recorded):
    traceparent, trace_id, browser_span = browser_traceparent()
    bus = connect_bus(kafka_bootstrap="", embedded_path=str(tmp_path / "bus.db"))
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
    citizen = Caller(app.test_client(), issuer.citizen("c-trace", CPR), "c-trace")
    application_id = citizen.post(
        "/api/applications", {"type": "hjaelpemidler", "answers": complete_answers()}
    ).json["id"]
    citizen.upload(f"/api/applications/{application_id}/attachments", PDF)
    submitted = citizen.post(
        f"/api/applications/{application_id}/submit", headers={"traceparent": traceparent}
    )
    assert submitted.status_code == 200, submitted.json
    # The correlation id is the trace id, spelled as a UUID.
    assert submitted.headers["X-Correlation-ID"].replace("-", "") == trace_id
    # The outbox keeps the trace context with the event.
    events = [e for e in outbox_events(applications_engine) if e.type.endswith("submitted.v1")]
    assert events and events[0].traceparent and trace_id in events[0].traceparent
    assert OutboxRelay(applications_engine, bus, service="applications").publish_pending()

    notifications_engine = make_engine(_database(tmp_path, "notifications"))
    notifications = Notifications(notifications_engine)
    rules = handle_once(notifications_engine, NOTIFICATIONS_GROUP, event_handler(notifications))
    letters = EventConsumer(bus, ["applications"], NOTIFICATIONS_GROUP, rules, poll_timeout_s=0.2)
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
        # The same event once more: the inbox absorbs it, and that is a span of the trace too.
        submitted_event = next(
            e for e in outbox_events(applications_engine) if e.type.endswith("submitted.v1")
        )
        with tracing.continued("replay", traceparent=submitted_event.traceparent):
            tracing_headers = tracing.inject({})
        bus.publish("applications", application_id, _encoded(submitted_event), tracing_headers)
        wait_until(
            lambda: one(recorded.records(), attr_sb__outcome="duplicate"),
            30,
            step=letters.run_once,
            message="the redelivered event to pass the inbox",
        )
    finally:
        letters.close()
        index.close()
        bus.close()
        connector.close()

    spans = [s for s in recorded.records() if s["trace_id"] == trace_id]
    request = one(spans, kind="SERVER")
    assert len(request) == 1 and request[0]["parent_span_id"] == browser_span
    assert request[0]["attributes"]["http.route"] == "/api/applications/<application_id>/submit"

    (send,) = one(spans, kind="CLIENT", attr_sb__notification__channel=lambda c: c is not None)
    chain = ancestry(spans, send)
    assert [s["kind"] for s in chain] == ["CLIENT", "CONSUMER", "PRODUCER", "SERVER"]
    assert chain[1]["attributes"]["messaging.consumer.group.name"] == NOTIFICATIONS_GROUP
    assert chain[2]["attributes"]["cloudevents.event_type"].endswith("application.submitted.v1")
    assert chain[-1]["parent_span_id"] == browser_span

    pushes = one(spans, kind="CLIENT", attr_sb__overview__kind="sag")
    assert pushes, "the push to Mit Overblik is a span of the trace"
    chain = ancestry(spans, pushes[0])
    assert [s["kind"] for s in chain] == ["CLIENT", "CONSUMER", "PRODUCER", "SERVER"]
    assert chain[1]["attributes"]["messaging.consumer.group.name"] == OVERVIEW_GROUP
    received = {push["traceparent"] for push in stub.received(application_id)}
    assert f"00-{trace_id}-{pushes[0]['span_id']}-01" in received

    duplicate = one(spans, attr_sb__outcome="duplicate")
    assert duplicate and duplicate[0]["kind"] == "CONSUMER"
    assert not cpr_shaped(recorded.records(), known=(CPR,))
    applications_engine.dispose()
    notifications_engine.dispose()


def _encoded(event) -> bytes:
    from kit.events import encode_event

    return encode_event(event)
