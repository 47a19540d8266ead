"""What every HTTP process has: correlation ids, access logs, errors, health and metrics."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime

from flask import Flask, Response, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import ValidationError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from kit import clock, data_subjects
from kit.errors import Problem, problem_response, register_errors
from kit.logging import correlation_id_var
from kit.metrics import HTTP_LATENCY, HTTP_REQUESTS

log = logging.getLogger("kit.web")

CORRELATION_HEADER = "X-Correlation-ID"

ReadinessCheck = Callable[[], None]  # raises when not ready


class IsoJsonProvider(DefaultJSONProvider):
    """Dates and times as ISO 8601 (Flask's default is the HTTP date format)."""

    sort_keys = False
    ensure_ascii = False

    @staticmethod
    def default(o):
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class ServiceFlask(Flask):
    json_provider_class = IsoJsonProvider


def create_base_app(service: str, readiness: dict[str, ReadinessCheck] | None = None) -> Flask:
    app = ServiceFlask(service)
    register_errors(app)
    checks = readiness or {}

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get(CORRELATION_HEADER, "")
        # Accept the caller's id only if it looks like one; never echo arbitrary input.
        cid = incoming if _valid_correlation_id(incoming) else str(uuid.uuid4())
        g.correlation_token = correlation_id_var.set(cid)
        g.correlation_id = cid
        g.started = time.perf_counter()
        data_subjects.reset()
        demo_at = request.headers.get(clock.DEMO_HEADER, "")
        if demo_at and clock.demo_clock_enabled():
            at = clock.parse_demo_time(demo_at)
            if at is not None:
                g.demo_token = clock.set_demo_time(at)

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[CORRELATION_HEADER] = g.get("correlation_id", "")
        if data_subjects.touched_subjects():
            response.headers[data_subjects.HEADER] = ",".join(data_subjects.touched_subjects())
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        if request.path != "/metrics":
            HTTP_REQUESTS.labels(service, request.method, str(response.status_code)).inc()
            HTTP_LATENCY.labels(service).observe(elapsed)
            # The path only: query strings are where personal data would sneak into logs.
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={"status": response.status_code, "duration_ms": round(elapsed * 1000, 1)},
            )
        return response

    @app.teardown_request
    def _reset(_exc) -> None:
        demo_token = g.pop("demo_token", None)
        if demo_token is not None:
            clock.reset_demo_time(demo_token)
        token = g.pop("correlation_token", None)
        if token is not None:
            correlation_id_var.reset(token)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", service=service)

    @app.get("/readyz")
    def readyz():
        failing = {}
        for name, check in checks.items():
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                failing[name] = type(exc).__name__
        if failing:
            return problem_response(
                503,
                "server.not_ready",
                "Tjenesten er ikke klar",
                "The service is not ready",
                extra={"failing": failing, "service": service},
            )
        return jsonify(status="ready", service=service, checks=sorted(checks))

    @app.get("/metrics")
    def metrics():
        return Response(metrics_text(), mimetype=CONTENT_TYPE_LATEST)

    return app


def metrics_text() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()


def _valid_correlation_id(value: str) -> bool:
    return 0 < len(value) <= 100 and all(c.isalnum() or c in "-_." for c in value)


def create_service_app(
    service: str, settings=None, blueprints=(), verifier=None, runtime=None
) -> Flask:
    """The Flask app of a service: base app + the service's blueprints, wired to its runtime.

    Every /api request must carry a valid bearer token (kit.auth); `verifier` defaults to the
    one the environment configures.
    """
    from kit import auth
    from kit.config import Settings
    from kit.logging import configure_logging
    from kit.runtime import Runtime

    settings = settings or Settings.from_env(service)
    configure_logging(service, settings.log_level)
    runtime = runtime or Runtime.from_settings(settings)
    verifier = verifier if verifier is not None else auth.verifier_from_env(service)
    readiness = runtime.readiness()
    if verifier is not None and isinstance(verifier.key_source, auth.RemoteJwks):
        # Ready only with the keys in hand: a request must never be what fetches them.
        readiness["keys"] = verifier.key_source.start().check_ready
    app = create_base_app(service, readiness)
    app.extensions["runtime"] = runtime
    auth.install(app, verifier)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app


class InvalidBody(Problem):
    status = 422
    code = "request.invalid_body"
    title_da = "Oplysningerne er ikke gyldige"
    title_en = "The submitted data is not valid"


def parse(schema, data=None) -> dict:
    """Load the request's JSON body (or `data`) with a marshmallow schema; a clear 422 with
    every field's error otherwise."""
    try:
        return schema.load((request.get_json(silent=True) or {}) if data is None else data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        raise InvalidBody(
            "Ret de markerede felter.",
            "Correct the marked fields.",
            field=next(iter(messages), None),
            extra={"errors": messages},
        )
