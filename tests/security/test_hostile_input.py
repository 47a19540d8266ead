"""Finding 10: property-based hostile input. Schemathesis generates requests from every
service's OpenAPI document (merged by the gateway at /api/openapi.json) and sends them through
the gateway, with a valid citizen session, a valid staff session and no/forged session. No
answer may be a server error or break its own documented schema, and no refused change may
be half-applied: a refused request (4xx) leaves every table of the applications, consents and
appointments databases as it was (no row, no outbox event), and every application row has its
creation event, and the other way round.

Bounded: a few examples per operation, so the whole run takes well under a minute."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import MetaData, select, text

from gateway.app import create_app as create_gateway
from gateway.config import GatewayConfig
from gateway.mock_idp import create_app as create_mock_idp
from kit.auth import TokenVerifier
from kit.config import Settings
from kit.keys import RemoteJwks
from kit.migrate import upgrade
from tests.builders import outbox_events
from tests.harness.gateway_stack import ANNA, Dispatcher, Stack, serve
from tests.security.conftest import FACTORIES

EXAMPLES_PER_OPERATION = int(os.environ.get("SB_HOSTILE_EXAMPLES", "3"))


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[tuple[Stack, dict]]:
    tmp = tmp_path_factory.mktemp("hostile")
    previous = os.environ.get("SB_VAR_DIR")
    os.environ["SB_VAR_DIR"] = str(tmp / "var")
    gateway_db = f"sqlite:///{tmp / 'gateway.db'}"
    upgrade("gateway", gateway_db)
    gateway, provider = Dispatcher(), Dispatcher()
    apps = {}
    with ExitStack() as stack, serve(provider) as idp_url, serve(gateway) as gateway_url:
        provider.app = create_mock_idp()
        upstreams, keys = {}, []
        for name, factory in FACTORIES.items():
            url = f"sqlite:///{tmp / f'{name}.db'}"
            upgrade(name, url)
            keys.append(RemoteJwks(gateway_url + "/.well-known/jwks.json"))
            apps[name] = factory(
                Settings(service=name, database_url=url, embedded_bus_path=str(tmp / "bus.db")),
                verifier=TokenVerifier(gateway_url, f"selvbetjening/{name}", keys[-1]),
            )
            upstreams[name] = stack.enter_context(serve(apps[name]))
        config = replace(
            GatewayConfig(),
            idp_issuer=idp_url,
            client_secret="x",
            cookie_secure=False,
            internal_issuer=gateway_url,
            rate_limit_citizen="100000/minute",
        )
        gateway.app = create_gateway(
            upstreams=upstreams,
            config=config,
            settings=Settings(service="gateway", database_url=gateway_db),
        )
        assert all(k.wait_until_ready(10) for k in keys)
        yield Stack(gateway_url, idp_url, gateway.app.extensions["engine"], gateway.app), apps
        for app in apps.values():
            app.extensions["runtime"].close()
    if previous is None:
        os.environ.pop("SB_VAR_DIR", None)
    else:
        os.environ["SB_VAR_DIR"] = previous


# Whose every table is compared before and after each refused request.
HALF_APPLIED_WATCHED = ("applications", "consents", "appointments")


def contents(apps: dict) -> dict[str, int]:
    """A fingerprint of every table (outbox included) of the watched services' databases."""
    fingerprint = {}
    for name in HALF_APPLIED_WATCHED:
        engine = apps[name].extensions["runtime"].engine
        with engine.connect() as conn:
            tables = apps[name].extensions.setdefault("reflected", MetaData())
            if not tables.tables:
                tables.reflect(conn)
            for table in tables.sorted_tables:
                rows = conn.execute(select(table)).all()
                fingerprint[f"{name}.{table.name}"] = hash(tuple(sorted(map(repr, rows))))
    return fingerprint


def session_for(site: Stack, who: str | None) -> requests.Session:
    browser = site.browser()
    if who == "forged":
        browser.cookies.set("sb_session", "forged-" + "x" * 40)
        browser.headers["Authorization"] = "Bearer not.a.token"
    elif who is not None:
        site.login(browser, who, channel="tablet" if "-" in who and who[0].isalpha() else "portal")
        browser.headers.update(site.csrf(browser))
    return browser


@pytest.mark.parametrize(
    ("who", "examples"),
    # The gateway turns away a missing or forged session before any service: fewer suffice.
    [(ANNA, EXAMPLES_PER_OPERATION), ("sagsbehandler-dorte", EXAMPLES_PER_OPERATION)]
    + [(None, 1), ("forged", 1)],
)
def test_hostile_requests_through_the_gateway_get_no_5xx_and_keep_their_schema(
    platform, who, examples
):
    site, apps = platform
    document = requests.get(f"{site.gateway}/api/openapi.json", timeout=10).json()
    assert {p.split("/")[2] for p in document["paths"]} >= set(FACTORIES)
    # The session (or its absence) is the caller here: no generated credentials on top.
    document["components"].pop("securitySchemes", None)
    for path in document["paths"].values():
        for operation in path.values():
            if isinstance(operation, dict):
                operation.pop("security", None)
    schema = schemathesis.openapi.from_dict(document)
    browser = session_for(site, who)
    # One real draft of Anna's, so that generated requests also reach an existing row.
    anna = session_for(site, ANNA)
    draft = anna.post(f"{site.gateway}/api/applications", json={"type": "enkeltudgifter"})
    assert draft.status_code == 201, draft.text
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        known = {
            p.name: draft.json()["id"]
            for p in operation.path_parameters
            if p.name == "application_id"
        }
        strategies = [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known)]
        with contextlib.suppress(Exception):  # some operations have nothing to negate
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))  # hostile values

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def run(case) -> None:
            before = contents(apps)
            response = case.call(base_url=site.gateway, session=browser, timeout=30)
            if response.status_code >= 400:  # refused: no row, no outbox event, no change
                after = contents(apps)
                changed = sorted(t for t in after if after[t] != before.get(t))
                if changed:
                    failures.append(
                        f"{case.method} {case.operation.path} -> {response.status_code}: "
                        f"refused but changed {changed}"
                    )
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance]
                )
            except (Exception, BaseExceptionGroup) as failure:  # collected, reported together
                detail = " | ".join(
                    line.strip()
                    for e in getattr(failure, "exceptions", [failure])
                    for line in str(e).splitlines()[:3]
                    if line.strip()
                )
                failures.append(
                    f"{case.method} {case.operation.path} -> {response.status_code}: {detail[:300]}"
                )

        run()
    assert operations >= 30
    assert not failures, "\n".join(sorted(set(failures))[:30])
    # Nothing half-applied: each application has its creation event, each event its row.
    engine = apps["applications"].extensions["runtime"].engine
    with engine.connect() as conn:
        rows = {r[0] for r in conn.execute(text("SELECT id FROM applications"))}
    created = {
        e.subject for e in outbox_events(engine) if e.type.endswith("application.created.v1")
    }
    assert rows == created
