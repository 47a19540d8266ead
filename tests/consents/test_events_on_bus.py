"""The consents service's events reach the bus (embedded log and Kafka) through the outbox."""

from __future__ import annotations

from datetime import timedelta

from kit.events import decode_event
from kit.outbox import OutboxRelay
from services.consents.announcements import TOPIC
from tests.builders import unique
from tests.consents.builders import consent_body, proxy_body
from tests.consents.service import start_service
from tests.waiting import wait_until


def test_given_withdrawn_and_proxy_events_are_published_in_order_keyed_by_citizen(bus, tmp_path):
    service = start_service(f"sqlite:///{tmp_path / 'consents.db'}", tmp_path)
    try:
        citizen, agent = service.citizen(), service.citizen()
        consent = citizen.post("/consents", consent_body()).json
        citizen.post(f"/consents/{consent['id']}/withdrawal")
        citizen.post("/proxies", proxy_body(agent.id, service.clock.now + timedelta(days=1)))
        assert OutboxRelay(service.engine, bus, service="consents").publish_pending() == 3
    finally:
        service.app.extensions["runtime"].close()  # type: ignore[attr-defined]

    reader = bus.consumer([TOPIC], unique("consents-reader"), session_timeout_s=6.0)
    mine: list = []
    try:

        def read() -> None:
            for record in reader.poll(0.5):
                if record.key == citizen.id:
                    mine.append(decode_event(record.value))

        wait_until(lambda: len(mine) >= 3, 60, step=read, message="the citizen's events")
    finally:
        reader.close()
    assert [e.type.split(".", 2)[2] for e in mine] == [
        "consent.given.v1",
        "consent.withdrawn.v1",
        "proxy.granted.v1",
    ]
    assert {e.subject for e in mine} == {citizen.id}
