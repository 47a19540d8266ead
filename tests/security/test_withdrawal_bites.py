"""Finding 2, for consents: a withdrawn consent stops a fetch at once. The applications service
learns of consents from the consents service's events, but a fetch made under a consent is
confirmed with the consents register before anything is fetched and again before anything is
kept (docs/decisions/0018-consent-fetches-confirmed.md), so neither a stalled consumer nor a
race with the withdrawal lets data be fetched after the citizen said no; and when the register
does not answer, the fetch is refused (fail closed), audited, and nothing is kept.

Through the gateway, with the citizen logged in at the mock provider: applications and consents
are real services on loopback; the consumer between them is driven by hand (or by a thread)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
import requests

from gateway.app import create_app as create_gateway
from gateway.config import GatewayConfig
from gateway.mock_idp import create_app as create_mock_idp
from kit.auth import RemoteJwks, TokenVerifier
from kit.config import Settings
from kit.errors import Problem
from kit.migrate import upgrade
from schemas.consent_purposes import PURPOSES
from schemas.events import applications as application_events
from services.applications.app import create_app as create_applications
from services.applications.authority import (
    ConsentNotConfirmed,
    ConsentRegisterUnavailable,
    ConsentsAuthority,
)
from services.applications.catalogue import Catalogue
from services.applications.handlers import on_consent_event
from services.consents.app import create_app as create_consents
from tests.builders import outbox_events
from tests.harness.gateway_stack import ANNA, Dispatcher, Stack, serve
from tests.security.conftest import start
from tests.security.test_revocation_bites import Switch

TYPE = "enkeltudgifter"
FETCH_ID, FETCH = next(iter(Catalogue.load().get(TYPE).data_fetches.items()))  # type: ignore[union-attr]


@dataclass
class Site:
    stack: Stack
    applications: object
    consents: object
    switch: Switch
    delivered: set

    @property
    def gateway(self) -> str:
        return self.stack.gateway

    def consume(self) -> None:
        """The applications service's consumer of consents' events, run once."""
        source = self.consents.extensions["runtime"].engine  # type: ignore[attr-defined]
        target = self.applications.extensions["runtime"].engine  # type: ignore[attr-defined]
        for event in outbox_events(source):
            if event.id not in self.delivered:
                with target.begin() as conn:
                    on_consent_event(conn, event)
                self.delivered.add(event.id)

    def fetched_events(self, application_id: str) -> list:
        engine = self.applications.extensions["runtime"].engine  # type: ignore[attr-defined]
        return [
            e
            for e in outbox_events(engine)
            if e.type == application_events.DATA_FETCHED and e.subject == application_id
        ]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("withdrawal")
    previous = os.environ.get("SB_VAR_DIR")
    os.environ["SB_VAR_DIR"] = str(tmp / "var")
    for name in ("gateway", "applications", "consents"):
        upgrade(name, f"sqlite:///{tmp / f'{name}.db'}")
    gateway, provider, switch = Dispatcher(), Dispatcher(), Switch()
    with (
        serve(provider) as idp_url,
        serve(gateway) as gateway_url,
        serve(switch) as consents_url,
    ):
        provider.app = create_mock_idp()
        keys = [RemoteJwks(gateway_url + "/.well-known/jwks.json") for _ in range(2)]

        def settings(name: str) -> Settings:
            return Settings(service=name, database_url=f"sqlite:///{tmp / f'{name}.db'}")

        consents = create_consents(
            settings("consents"),
            verifier=TokenVerifier(gateway_url, "selvbetjening/consents", keys[0]),
        )
        switch.app = consents
        applications = create_applications(
            settings("applications"),
            verifier=TokenVerifier(gateway_url, "selvbetjening/applications", keys[1]),
            authority=ConsentsAuthority(consents_url, timeout_s=1.0),
        )
        with serve(applications) as applications_url:
            gateway.app = create_gateway(
                upstreams={"applications": applications_url, "consents": consents_url},
                config=replace(
                    GatewayConfig(),
                    idp_issuer=idp_url,
                    client_secret="x",
                    cookie_secure=False,
                    internal_issuer=gateway_url,
                    rate_limit_citizen="100000/minute",
                ),
                settings=settings("gateway"),
            )
            assert all(k.wait_until_ready(10) for k in keys)
            stack = Stack(gateway_url, idp_url, gateway.app.extensions["engine"], gateway.app)
            yield Site(stack, applications, consents, switch, set())
        for app in (applications, consents):
            app.extensions["runtime"].close()  # type: ignore[attr-defined]
    if previous is None:
        os.environ.pop("SB_VAR_DIR", None)
    else:
        os.environ["SB_VAR_DIR"] = previous


@pytest.fixture
def anna(site) -> requests.Session:
    site.switch.app = site.consents  # every test starts with the register answering
    browser = site.stack.browser()
    site.stack.login(browser, ANNA)
    browser.headers.update(site.stack.csrf(browser))
    return browser


def draft_with_consent(site: Site, anna: requests.Session) -> tuple[str, str]:
    """Anna's draft and her consent to fetch for it, known to the applications service."""
    draft = anna.post(f"{site.gateway}/api/applications", json={"type": TYPE})
    assert draft.status_code == 201, draft.text
    purpose = PURPOSES[FETCH["purpose"]]
    consent = anna.post(
        f"{site.gateway}/api/consents/consents",
        json={
            "purpose": FETCH["purpose"],
            "case_ref": draft.json()["id"],
            "data_categories": list(purpose.data_categories),
            "sources": list(purpose.sources),
            "text_version": "1",
            "language": "da",
        },
    )
    assert consent.status_code == 201, consent.text
    site.consume()
    return draft.json()["id"], consent.json()["id"]


def fetch(site: Site, anna: requests.Session, application_id: str) -> requests.Response:
    return anna.post(f"{site.gateway}/api/applications/{application_id}/fetches/{FETCH_ID}")


def withdraw(site: Site, anna: requests.Session, consent_id: str) -> None:
    withdrawn = anna.post(f"{site.gateway}/api/consents/consents/{consent_id}/withdrawal")
    assert withdrawn.status_code == 200, withdrawn.text


def fetched(site: Site, anna: requests.Session, application_id: str) -> list:
    view = anna.get(f"{site.gateway}/api/applications/{application_id}")
    assert view.status_code == 200, view.text
    return view.json()["fetched"]


def assert_problem(response: requests.Response, problem: type[Problem]) -> None:
    assert response.status_code == problem.status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == problem.code
    assert response.json()["title"] == problem.title_da  # Danish first (English on request)


def test_a_withdrawn_consent_stops_the_fetch_at_once_while_the_consumer_is_stopped(site, anna):
    application_id, consent_id = draft_with_consent(site, anna)
    assert fetch(site, anna, application_id).status_code == 200
    before = fetched(site, anna, application_id)

    withdraw(site, anna, consent_id)  # ... and the consumer does not run
    refused = fetch(site, anna, application_id)
    assert_problem(refused, ConsentNotConfirmed)
    assert refused.json()["reason"] == "withdrawn"
    assert fetched(site, anna, application_id) == before
    assert len(site.fetched_events(application_id)) == 1


def test_no_fetch_that_starts_after_the_withdrawal_succeeds(site, anna):
    application_id, consent_id = draft_with_consent(site, anna)
    outcomes: list[tuple[float, int]] = []
    stop = threading.Event()

    def keep_fetching() -> None:
        while not stop.is_set():
            started = time.monotonic()
            outcomes.append((started, fetch(site, anna, application_id).status_code))

    def keep_consuming() -> None:  # a consumer with a little lag, as in a deployment
        while not stop.wait(0.3):
            site.consume()

    threads = [threading.Thread(target=keep_fetching) for _ in range(2)]
    threads.append(threading.Thread(target=keep_consuming))
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    withdraw(site, anna, consent_id)
    withdrawn_at = time.monotonic()
    time.sleep(0.8)
    stop.set()
    for thread in threads:
        thread.join(10)
    before = [status for started, status in outcomes if started < withdrawn_at]
    after = [status for started, status in outcomes if started > withdrawn_at]
    assert 200 in before and after, outcomes
    assert set(after) <= {403, 409}, after  # refused before fetching, or nothing kept
    print(f"{before.count(200)} fetches before the withdrawal, {len(after)} refused after it")


def test_when_the_register_does_not_answer_the_fetch_is_refused_audited_and_nothing_kept(
    site, anna
):
    application_id, _ = draft_with_consent(site, anna)
    site.switch.app = None  # the consents service is stopped
    refused = fetch(site, anna, application_id)
    assert_problem(refused, ConsentRegisterUnavailable)
    assert fetched(site, anna, application_id) == []
    assert site.fetched_events(application_id) == []

    auditor = site.stack.browser()
    site.stack.login(auditor, "auditor-frida")
    trail = auditor.get(f"{site.gateway}/api/audit", params={"citizen_id": ANNA}).json()
    assert any(
        e["status"] == 503 and e["resource"].endswith(f"{application_id}/fetches/{FETCH_ID}")
        for e in trail
    ), trail

    site.switch.app = site.consents  # back: the same fetch goes through
    assert fetch(site, anna, application_id).status_code == 200
    assert len(fetched(site, anna, application_id)) == 1


def test_the_register_answers_a_citizen_only_about_themselves_or_whom_they_act_for(tmp_path):
    service = start("consents", tmp_path)
    client, anna, stranger = service.app.test_client(), str(uuid.uuid4()), str(uuid.uuid4())  # type: ignore[attr-defined]

    def ask(asker: str, about: str, audience: str = "selvbetjening/applications"):
        token = service.issuer.citizen(asker, "0101801234", aud=audience)
        return client.post(
            "/internal/consent-checks",
            json={"citizen_id": about, "purpose": FETCH["purpose"], "data_categories": ["income"]},
            headers={"Authorization": f"Bearer {token}"},
        )

    own = ask(anna, anna)
    assert (own.status_code, own.json["allowed"], own.json["reason"]) == (200, False, "no_consent")
    refused = ask(stranger, anna)
    assert refused.status_code == 200
    assert (refused.json["allowed"], refused.json["reason"]) == (False, "proxy.no_authority")
    # Only the audiences of services that pass on their caller (not a token for consents).
    assert ask(anna, anna, audience="selvbetjening/consents").status_code == 401
    service.app.extensions["runtime"].close()  # type: ignore[attr-defined]
