"""Expiry: recorded and announced once, across restarts and parallel schedulers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from kit.config import Settings
from kit.db import make_engine
from kit.runtime import Runtime
from services.consents.expiry import ExpiryScheduler
from services.consents.handlers import background_jobs
from tests.consents.builders import check_body, consent_body, proxy_body
from tests.waiting import wait_until


def expires_in(service, **delta) -> str:
    return (service.clock.now + timedelta(**delta)).isoformat()


def test_consents_and_proxies_expire_exactly_once_across_a_restart(service, database_url):
    citizen, agent = service.citizen(), service.citizen()
    consent = citizen.post("/consents", consent_body(expires_at=expires_in(service, hours=1)))
    citizen.post("/proxies", proxy_body(agent.id, service.clock.now + timedelta(hours=2)))
    service.clock.advance(hours=1)
    first = ExpiryScheduler(service.engine, service.clock)
    assert first.run_once() == 1  # the consent; the proxy is not due yet
    service.clock.advance(hours=1)
    # "Restart": a new scheduler with its own connection pool on the same database.
    engine = make_engine(database_url)
    try:
        restarted = ExpiryScheduler(engine, service.clock)
        assert restarted.run_once() == 1  # the proxy; the consent is not announced again
        service.clock.advance(days=3)
        assert restarted.run_once() == 0
        assert first.run_once() == 0
    finally:
        engine.dispose()
    assert service.event_types(citizen.id) == [
        "consent.given.v1",
        "proxy.granted.v1",
        "consent.expired.v1",
        "proxy.expired.v1",
    ]
    expired = service.events(citizen.id)[2]
    assert expired.data["expired_at"] == consent.json["expires_at"]
    assert expired.actor.type == "system"
    assert citizen.get(f"/consents/{consent.json['id']}").json["status"] == "expired"
    assert agent.get("/proxies").json["held"][0]["status"] == "expired"


def test_parallel_schedulers_announce_each_expiry_once(service, database_url):
    citizens = [service.citizen() for _ in range(4)]
    for citizen in citizens:
        citizen.post("/consents", consent_body(expires_at=expires_in(service, minutes=5)))
    service.clock.advance(minutes=5)
    engines = [make_engine(database_url) for _ in range(3)]
    counts: list[int] = []
    try:
        threads = [
            threading.Thread(
                target=lambda e=e: counts.append(ExpiryScheduler(e, service.clock).run_once())
            )
            for e in engines
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for engine in engines:
            engine.dispose()
    assert sum(counts) == 4
    assert service.event_types().count("consent.expired.v1") == 4


def test_a_replaced_consent_expires_silently_and_a_withdrawn_one_not_at_all(service):
    citizen = service.citizen()
    old = citizen.post(
        "/consents", consent_body(case_ref="s", expires_at=expires_in(service, hours=1))
    ).json
    service.clock.advance(minutes=1)
    citizen.post("/consents", consent_body(case_ref="s"))
    gone = citizen.post(
        "/consents", consent_body(case_ref="t", expires_at=expires_in(service, hours=1))
    ).json
    citizen.post(f"/consents/{gone['id']}/withdrawal")
    service.clock.advance(hours=2)
    assert ExpiryScheduler(service.engine, service.clock).run_once() == 0
    assert "consent.expired.v1" not in service.event_types(citizen.id)
    assert citizen.get(f"/consents/{old['id']}").json["status"] == "superseded"
    answer = (
        service.machine("consents:check").post("/checks", check_body(citizen.id, case_ref="s")).json
    )
    assert answer["allowed"] is True


def test_the_worker_runs_the_scheduler_until_stopped(service, database_url, tmp_path):
    citizen = service.citizen()
    expires_at = service.clock.now + timedelta(seconds=1)
    citizen.post("/consents", consent_body(expires_at=expires_at.isoformat()))
    wait_until(lambda: datetime.now(UTC) > expires_at, 5, message="the consent's expiry")
    runtime = Runtime.from_settings(
        Settings(
            service="consents",
            database_url=database_url,
            embedded_bus_path=str(tmp_path / "bus.db"),
        )
    )
    [job] = background_jobs(runtime)
    stop = threading.Event()
    thread = threading.Thread(target=job, args=(stop,))
    try:
        thread.start()  # the worker's scheduler uses the wall clock
        wait_until(
            lambda: "consent.expired.v1" in service.event_types(citizen.id),
            15,
            message="the expiry event",
        )
    finally:
        stop.set()
        thread.join(10)
        runtime.close()
    assert not thread.is_alive()
