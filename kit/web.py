"""What every HTTP process has: correlation ids, access logs, errors, health and metrics."""

from __future__ import annotations

import json
import logging
import math
import os
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime

import orjson
from flask import Flask, Response, current_app, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import ValidationError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from kit import clock, data_subjects, tracing
from kit.errors import Problem, problem_response, register_errors
from kit.logging import correlation_id_var
from kit.metrics import HTTP_LATENCY, HTTP_REQUESTS

log = logging.getLogger("kit.web")

CORRELATION_HEADER = "X-Correlation-ID"

ReadinessCheck = Callable[[], None]  # raises when not ready
# Probes, scrapes and static files: no span (they would drown the traces that matter).
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


MAX_JSON_BYTES = 256 * 1024  # a whole application's answers fit many times over
MAX_JSON_DEPTH = 32
MULTIPART_OVERHEAD_BYTES = 64 * 1024  # boundaries, part headers and the small form fields
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class MalformedJson(Problem):
    status = 400
    code = "request.malformed_json"
    title_da = "Forespørgslen er ikke gyldig JSON"
    title_en = "The request is not valid JSON"


class NonFiniteNumber(Problem):
    status = 422
    code = "request.non_finite_number"
    title_da = "Tal skal være almindelige tal"
    title_en = "Numbers must be finite"


class BodyTooLarge(Problem):
    status = 413
    code = "request.too_large"
    title_da = "Forespørgslen er for stor"
    title_en = "The request is too large"


class UnsupportedMediaType(Problem):
    status = 415
    code = "request.unsupported_media_type"
    title_da = "Formatet understøttes ikke"
    title_en = "The format is not supported"


def _no_constants(name: str):
    raise NonFiniteNumber(detail_en=f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses to inf
        raise NonFiniteNumber(detail_en=f"{text[:20]} is out of range")
    return value


def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON, without recursion; stops counting past `limit`."""
    deepest, level = 0, [(value, 1)]
    while level:
        node, depth = level.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        level.extend((child, depth + 1) for child in children)
    return deepest


def loads_strict(data: str | bytes):
    """JSON as clients may send it: no NaN or Infinity (422), nothing nested deeper than
    MAX_JSON_DEPTH and nothing unparseable (400)."""
    try:
        value = json.loads(data, parse_constant=_no_constants, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:
        raise MalformedJson(detail_en=type(exc).__name__) from None
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise MalformedJson(detail_en=f"nested deeper than {MAX_JSON_DEPTH}")
    return value


class IsoJsonProvider(DefaultJSONProvider):
    """Dates and times as ISO 8601 (Flask's default is the HTTP date format); strict parsing
    (loads_strict) for every request body, whoever reads it."""

    sort_keys = False
    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs):
        return loads_strict(s)

    @staticmethod
    def default(o):
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)

    def response(self, *args, **kwargs):
        """The body by orjson (a list of cases serialises several times faster than with the
        standard library); anything orjson will not take (an integer past 64 bits, a custom
        encoder's type) falls back to the standard library, byte for byte as before."""
        obj = self._prepare_response_obj(args, kwargs)
        if self._app.debug:
            return super().response(obj)
        try:
            body = orjson.dumps(obj, default=self.default, option=_ORJSON_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            body = self.dumps(obj, separators=(",", ":")).encode()
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)  # type: ignore[arg-type]


# Keys as the standard library writes them (an int key becomes a string); datetimes with
# microseconds and naive ones exactly as isoformat() writes them.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS


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
        cid = incoming if _valid_correlation_id(incoming) else ""
        if request.path not in UNTRACED_PATHS and not request.path.startswith("/static/"):
            span = _start_request_span(service, cid)
            g.trace_token = tracing.activate(span)
            g.trace_span = span
            # The same 128 bits as the trace id, unless the caller named its own.
            cid = cid or tracing.correlation_id_of(span.get_span_context().trace_id)
        cid = cid if cid and cid != ZERO_UUID else str(uuid.uuid4())
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
        span = g.get("trace_span")
        if span is not None:
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                tracing.failed(span, str(response.status_code))
        response.headers.update(data_subjects.access_headers())
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
    def _reset(exc) -> None:
        span = g.pop("trace_span", None)
        if span is not None:
            if exc is not None:
                tracing.failed(span, type(exc).__name__)
            span.end()
            tracing.deactivate(g.pop("trace_token"))
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
            except Exception as exc:  # any failure means not ready
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


ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def _start_request_span(service: str, correlation_id: str):
    """The request's server span: a child of the caller's traceparent, or the root of a new
    trace (whose id is the caller's correlation id when that is a UUID)."""
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    return tracing.start_span(
        f"{request.method} {rule}",
        kind=tracing.SpanKind.SERVER,
        traceparent=request.headers.get(tracing.TRACEPARENT),
        correlation_id=correlation_id,
        attributes={
            "http.request.method": request.method,
            "http.route": rule,
            # The path only: query strings are where personal data would sneak in.
            "url.path": request.path[:300],
            "sb.service": service,
        },
    )


def _valid_correlation_id(value: str) -> bool:
    return 0 < len(value) <= 100 and all(c.isalnum() or c in "-_." for c in value)


def create_service_app(
    service: str, settings=None, blueprints=(), verifier=None, runtime=None
) -> Flask:
    """The Flask app of a service: base app + the service's blueprints, wired to its runtime.

    Every /api request must carry a valid bearer token (kit.auth); `verifier` defaults to the
    one the environment configures.
    """
    from kit import adapters, auth, keys
    from kit.config import Settings
    from kit.logging import configure_logging
    from kit.runtime import Runtime

    adapters.refuse_simulated_in_production()
    settings = settings or Settings.from_env(service)
    configure_logging(service, settings.log_level)
    tracing.configure(service)
    runtime = runtime or Runtime.from_settings(settings)
    verifier = verifier if verifier is not None else auth.verifier_from_env(service)
    readiness = runtime.readiness()
    if verifier is not None and isinstance(verifier.key_source, keys.RemoteJwks):
        # Ready only with the keys in hand: a request must never be what fetches them.
        readiness["keys"] = verifier.key_source.start().check_ready
    app = create_base_app(service, readiness)
    app.extensions["runtime"] = runtime
    app.before_request(_bound_the_body)
    auth.install(app, verifier)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app


class InvalidBody(Problem):
    status = 422
    code = "request.invalid_body"
    title_da = "Oplysningerne er ikke gyldige"
    title_en = "The submitted data is not valid"


def accepts_upload(max_bytes: int) -> Callable:
    """Declare on a route that it takes a multipart upload of at most `max_bytes` (the file);
    every other route reads JSON only, of at most MAX_JSON_BYTES."""

    def decorate(view: Callable) -> Callable:
        view.max_upload_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return decorate


def _bound_the_body() -> None:
    """Before anything reads a body: its size (413) and its type (415), per kind of route."""
    if request.method not in BODY_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    upload = getattr(view, "max_upload_bytes", None)
    limit = upload + MULTIPART_OVERHEAD_BYTES if upload else MAX_JSON_BYTES
    # Also bounds a body without Content-Length (chunked): reading past it gives 413.
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(detail_en=f"at most {limit} bytes here", extra={"max_bytes": limit})
    if not request.content_length and "chunked" not in request.headers.get("Transfer-Encoding", ""):
        return  # no body: nothing to read, whatever the type says
    expected = "multipart/form-data" if upload else "application/json"
    if request.mimetype != expected:
        raise UnsupportedMediaType(
            f"Send {expected}.", f"Send {expected}.", extra={"expected": expected}
        )


def json_body() -> dict:
    """The request's JSON object ({} when there is no body); kit.web's rules apply (size,
    type, depth, finite numbers)."""
    if not request.get_data(cache=True):
        return {}
    value = request.get_json(force=True)
    if not isinstance(value, dict):
        raise InvalidBody("Send et JSON-objekt.", "Send a JSON object.")
    return value


def parse(schema, data=None) -> dict:
    """Load the request's JSON body (or `data`) with a marshmallow schema; a clear 422 with
    every field's error otherwise."""
    try:
        return schema.load(json_body() if data is None else data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        raise InvalidBody(
            "Ret de markerede felter.",
            "Correct the marked fields.",
            field=next(iter(messages), None),
            extra={"errors": messages},
        )
