"""Flask app factory for the gateway (gunicorn 'gateway.app:create_app()')."""

from __future__ import annotations

import json

import requests
from flask import Flask, jsonify

from gateway import audit, login, pages, routing, video
from gateway.config import GatewayConfig
from gateway.identity import IdentityProvider
from gateway.keys import InternalTokenMinter
from gateway.sessions import SessionManager, TokenBox
from kit import adapters, tracing
from kit.asyncapi import build_asyncapi
from kit.config import Settings, var_dir
from kit.logging import configure_logging
from kit.replicas import Replicas
from kit.runtime import Runtime
from kit.web import create_base_app

MAX_REQUEST_BYTES = 25 * 1024 * 1024  # attachments included; services set tighter limits


def create_app(
    upstreams: dict[str, str] | None = None,
    config: GatewayConfig | None = None,
    settings: Settings | None = None,
) -> Flask:
    adapters.refuse_simulated_in_production()
    configure_logging("gateway")
    tracing.configure("gateway")
    config = config or GatewayConfig.from_env()
    settings = settings or Settings.from_env("gateway")
    targets = {
        name: Replicas.parse(urls) for name, urls in (upstreams or routing.upstreams()).items()
    }
    runtime = Runtime.from_settings(settings)

    def check(replicas: Replicas):
        def ready() -> None:  # one ready replica of each service is enough to serve
            for url in replicas.urls:
                try:
                    requests.get(f"{url}/readyz", timeout=2).raise_for_status()
                    return
                except requests.RequestException as exc:
                    error = exc
            raise error

        return ready

    app = create_base_app(
        "gateway",
        {"database": runtime.check_database, **{name: check(r) for name, r in targets.items()}},
    )
    app.config["UPSTREAMS"] = targets
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.extensions["engine"] = runtime.engine
    app.extensions["audit_writer"] = audit.AuditWriter(runtime.engine)
    app.extensions["idp"] = IdentityProvider(config)
    app.extensions["minter"] = InternalTokenMinter(
        var_dir() / "gateway" / "internal-signing-key.json", config.internal_issuer
    )
    app.extensions["sessions"] = SessionManager(
        runtime.engine, config, TokenBox(var_dir() / "gateway" / "session-token-key")
    )
    app.extensions["gateway_config"] = config
    for blueprint in (pages.bp, login.bp, audit.bp, routing.bp):
        app.register_blueprint(blueprint)
    video.init_app(app)  # video visits: call pages, join links, WebRTC signalling
    # Per caller on the API; per address on /auth (logins create rows before anyone is known).
    routing.install_rate_limits(app)

    @app.get("/.well-known/jwks.json")
    def jwks():
        return jsonify(app.extensions["minter"].jwks())

    @app.get("/api/openapi.json")
    def openapi():
        return jsonify(merged_openapi(targets))

    @app.get("/api/asyncapi.json")
    def asyncapi():
        return jsonify(build_asyncapi())

    return app


def merged_openapi(targets: dict[str, Replicas]) -> dict:
    """One OpenAPI 3.1 document for the public API: each service's generated document."""
    document: dict = {
        "openapi": "3.1.0",
        "info": {
            "title": "Selvbetjening – public API",
            "version": "1.0.0",
            "description": "Every path goes through the gateway. Browsers log in at /auth/login "
            "(session cookie; send X-CSRF-Token from /auth/session on changes); "
            "case systems send a client-credentials bearer token.",
        },
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
    }
    for service, replicas in sorted(targets.items(), key=lambda item: item[0]):
        try:
            response = requests.get(f"{replicas.pick()}/openapi.json", timeout=3)
        except requests.RequestException:
            continue
        if response.status_code != 200:
            continue
        # Each service's schema names get its prefix: two services may both have a
        # "HistoryOut", and one must not answer for the other's (issue 13, finding 10).
        part = json.loads(
            response.text.replace('"#/components/schemas/', f'"#/components/schemas/{service}.')
        )
        schemas = part.get("components", {}).get("schemas", {})
        part.setdefault("components", {})["schemas"] = {
            f"{service}.{name}": schema for name, schema in schemas.items()
        }
        document["paths"].update(part.get("paths", {}))
        for section in ("schemas", "securitySchemes"):
            document["components"][section].update(part.get("components", {}).get(section, {}))
    return document
