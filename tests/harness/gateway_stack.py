"""A real stack on loopback for gateway tests: an OpenID provider, the gateway and the
applications service, each an HTTP server in a thread, and a `requests` session per browser."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urljoin

import pytest
import requests
from flask import Flask, jsonify
from werkzeug.serving import make_server

from gateway.app import create_app as create_gateway
from gateway.config import GatewayConfig
from gateway.mock_idp import create_app as create_mock_idp
from kit.auth import TokenVerifier
from kit.config import Settings
from kit.db import make_engine
from kit.keys import RemoteJwks
from kit.migrate import upgrade
from kit.runtime import Runtime
from services.applications.app import create_app as create_applications
from tests.tokens import TokenIssuer

ANNA = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0001"  # Substantial
BENT = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0002"  # Low assurance
CARL = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0003"  # Substantial


@contextmanager
def serve(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def machine_idp_app(issuer: TokenIssuer, holder: dict) -> Flask:
    """A stand-in provider for machine tokens: discovery and JWKS of a TokenIssuer."""
    app = Flask("machine-idp")

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(
            issuer=holder["url"],
            jwks_uri=holder["url"] + "/jwks",
            authorization_endpoint=holder["url"] + "/authorize",
            token_endpoint=holder["url"] + "/token",
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(issuer.jwks)

    return app


@dataclass
class Stack:
    gateway: str
    idp: str
    engine: object
    app: object = None
    applications: str = ""  # the service itself, behind the gateway

    def browser(self) -> requests.Session:
        return requests.Session()

    def login(self, browser: requests.Session, sub: str, channel: str = "portal") -> str:
        """Log in through the provider's page like a person would; returns the callback URL."""
        start = browser.get(f"{self.gateway}/auth/login?channel={channel}", allow_redirects=False)
        assert start.status_code == 302, start.text
        authorize = start.headers["Location"]
        picked = browser.post(authorize, data={"sub": sub}, allow_redirects=False)
        assert picked.status_code == 302, picked.text
        callback = urljoin(authorize, picked.headers["Location"])
        done = browser.get(callback, allow_redirects=False)
        assert done.status_code == 302, done.text
        return callback

    def csrf(self, browser: requests.Session) -> dict[str, str]:
        token = browser.get(f"{self.gateway}/auth/session").json()["csrf_token"]
        return {"X-CSRF-Token": token}


class Dispatcher:
    """A WSGI app to serve before the real one exists (its URL is needed to build it)."""

    def __init__(self) -> None:
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@contextmanager
def provider_url(provider_app, external: str | None) -> Iterator[str]:
    if external:
        yield external
        return
    provider = Dispatcher()
    with serve(provider) as url:
        provider.app = provider_app(url)
        yield url


def build_stack(
    tmp_path, provider_app, config_changes: dict, external_idp: str | None = None
) -> Iterator[Stack]:
    database_url = f"sqlite:///{tmp_path / 'applications.db'}"
    gateway_db = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade("applications", database_url)
    upgrade("gateway", gateway_db)
    gateway = Dispatcher()
    with provider_url(provider_app, external_idp) as idp_url, serve(gateway) as gateway_url:
        # The service trusts only the gateway's internal tokens: its issuer and its JWKS.
        keys = RemoteJwks(gateway_url + "/.well-known/jwks.json")
        verifier = TokenVerifier(gateway_url, "selvbetjening/applications", keys)
        engine = make_engine(database_url)
        settings = Settings(service="applications", database_url=database_url)
        applications = create_applications(
            settings, verifier=verifier, runtime=Runtime(settings=settings, engine=engine)
        )
        with serve(applications) as applications_url:
            config = replace(
                GatewayConfig(),
                **{
                    "idp_issuer": idp_url,
                    "client_secret": "x",
                    "cookie_secure": False,
                    "internal_issuer": gateway_url,
                    **config_changes,
                },
            )
            gateway.app = create_gateway(
                upstreams={"applications": applications_url},
                config=config,
                settings=Settings(service="gateway", database_url=gateway_db),
            )
            # Ready means holding the gateway's keys (as the launcher waits for /readyz).
            assert keys.wait_until_ready(10)
            # Lets a test feed the applications service's local views (consents' events).
            gateway.app.config["APPLICATIONS_ENGINE"] = engine
            yield Stack(
                gateway_url,
                idp_url,
                gateway.app.extensions["engine"],
                gateway.app,
                applications_url,
            )
        engine.dispose()


@pytest.fixture
def stack(tmp_path, monkeypatch) -> Iterator[Stack]:
    """Citizens and staff log in at the mock OpenID provider (as `make run` does)."""
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    yield from build_stack(tmp_path, lambda _url: create_mock_idp(), {})


@dataclass
class MachineStack:
    stack: Stack
    issuer: TokenIssuer


@pytest.fixture
def machine_stack(tmp_path, monkeypatch) -> Iterator[MachineStack]:
    """Case systems hold tokens from a provider whose keys we control (to forge attacks)."""
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    issuer = TokenIssuer(issuer="set-below")

    def provider(url):
        issuer.issuer = url
        return machine_idp_app(issuer, {"url": url})

    for stack in build_stack(tmp_path, provider, {}):
        yield MachineStack(stack, issuer)


def new_person() -> str:
    return str(uuid.uuid4())


@dataclass
class ServicesStack(Stack):
    """The gateway with several real services behind it, each on its own SQLite file."""

    engines: dict | None = None


def build_services_stack(tmp_path, factories: dict) -> Iterator[ServicesStack]:
    """The mock provider, the gateway and each of `factories` ({name: create_app}) as an HTTP
    server in a thread; the services trust only the gateway's internal tokens."""
    from contextlib import ExitStack

    gateway_db = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade("gateway", gateway_db)
    urls = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in factories}
    for name, url in urls.items():
        upgrade(name, url)
    engines = {name: make_engine(url) for name, url in urls.items()}
    gateway, provider = Dispatcher(), Dispatcher()
    with ExitStack() as services, serve(provider) as idp_url, serve(gateway) as gateway_url:
        provider.app = create_mock_idp()
        upstreams: dict[str, str] = {}
        keys: list[RemoteJwks] = []
        for name, factory in factories.items():
            settings = Settings(service=name, database_url=urls[name])
            keys.append(RemoteJwks(gateway_url + "/.well-known/jwks.json"))
            app = factory(
                settings,
                verifier=TokenVerifier(gateway_url, f"selvbetjening/{name}", keys[-1]),
                runtime=Runtime(settings=settings, engine=engines[name]),
            )
            upstreams[name] = services.enter_context(serve(app))
        config = replace(
            GatewayConfig(),
            idp_issuer=idp_url,
            client_secret="x",
            cookie_secure=False,
            internal_issuer=gateway_url,
        )
        gateway.app = create_gateway(
            upstreams=upstreams,
            config=config,
            settings=Settings(service="gateway", database_url=gateway_db),
        )
        assert all(k.wait_until_ready(10) for k in keys)
        yield ServicesStack(
            gateway_url, idp_url, gateway.app.extensions["engine"], gateway.app, engines=engines
        )
    for engine in engines.values():
        engine.dispose()
