"""Routing /api/<service>/... to the service that owns it.

For every request: find out who calls (a browser session, or a machine's bearer token), check
the route policy, CSRF for browsers, and the rate limit; then forward with a fresh internal
token and the correlation id, record the audit trail from what the service says it touched,
and pass the answer back.
"""

from __future__ import annotations

import os
from urllib.parse import quote, unquote

import urllib3
from flask import Blueprint, Response, current_app, g, request

from gateway import policy, ratelimit
from gateway.audit import record_access
from gateway.caller import caller
from kit import clock, data_subjects, tracing
from kit.errors import Problem
from kit.replicas import Replicas
from kit.web import CORRELATION_HEADER

SERVICES = ("applications", "consents", "appointments", "notifications", "insight")
DEFAULT_PORTS = {
    "applications": 8101,
    "consents": 8102,
    "appointments": 8103,
    "notifications": 8104,
    "insight": 8106,
}

# Only these travel to the services; cookies and the caller's own Authorization never do.
FORWARDED_REQUEST_HEADERS = (
    "Content-Type",
    "Accept",
    "Accept-Language",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
)
FORWARDED_RESPONSE_HEADERS = (
    "Content-Type",
    "ETag",
    "Location",
    "Retry-After",
    "Content-Disposition",
    "Idempotent-Replayed",
    "Cache-Control",
    "X-Content-Type-Options",
)

bp = Blueprint("routing", __name__)
PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar: kept as is, everything else %-encoded


def upstreams() -> dict[str, str]:
    """Each service's URL, or its replicas' URLs separated by commas (kit.replicas)."""
    return {
        name: os.environ.get(
            f"SB_UPSTREAM_{name.upper()}", f"http://127.0.0.1:{DEFAULT_PORTS[name]}"
        )
        for name in SERVICES
    }


class UnknownService(Problem):
    status = 404
    code = "gateway.unknown_service"
    title_da = "Tjenesten findes ikke"
    title_en = "No such service"


class UpstreamUnavailable(Problem):
    status = 502
    code = "gateway.upstream_unavailable"
    title_da = "Tjenesten svarer ikke lige nu. Prøv igen om lidt"
    title_en = "The service is not answering right now. Try again shortly"


def limit_key() -> str:
    """Rate limits apply per citizen (or staff member) and per machine client."""
    try:
        identity = caller()
    except Problem:
        return "anonymous:" + (request.remote_addr or "?")
    return f"{identity.kind}:{identity.subject}"


def install_rate_limits(app) -> None:
    """Per caller on the API, per address on the login pages (gateway.ratelimit)."""
    from gateway import login

    ratelimit.limit(app, bp, limit_key, limit_for_caller)  # the proxy is bp's only route
    ratelimit.limit(app, login.bp, lambda: request.remote_addr or "?", lambda: "120/minute")


def limit_for_caller() -> str:
    config = current_app.extensions["gateway_config"]
    kind = limit_key().split(":", 1)[0]
    return config.rate_limit_client if kind == "machine" else config.rate_limit_citizen


@bp.route(
    "/api/<service>",
    defaults={"rest": ""},
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    strict_slashes=True,
)
@bp.route("/api/<service>/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def proxy(service: str, rest: str):
    replicas: Replicas | None = current_app.config["UPSTREAMS"].get(service)
    if replicas is None:
        raise UnknownService(
            f"Der er ingen tjeneste ved navn {service!r}.",
            f"There is no service called {service!r}.",
        )
    segments = rest.split("/")
    if any(seg in (".", "..") or "\\" in seg for seg in segments):
        # The service must only ever see paths under its own /api/<service>/.
        raise UnknownService(detail_en="path not allowed", code="gateway.path_not_allowed")
    identity = caller()
    policy.check_route(service, identity.kind)
    tracing.current_span().update_name(f"{request.method} /api/{service}")
    headers = {
        name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers
    }
    headers[CORRELATION_HEADER] = g.correlation_id
    if clock.demo_clock_enabled() and clock.DEMO_HEADER in request.headers:
        headers[clock.DEMO_HEADER] = request.headers[clock.DEMO_HEADER]
    # A token for this one service (its own audience), with the CPR number only where needed.
    headers["Authorization"] = "Bearer " + current_app.extensions["minter"].mint(
        identity.internal_claims(with_cpr=service in policy.CPR_RECIPIENTS),
        audience=f"selvbetjening/{service}",
    )
    url = f"/api/{service}" + (f"/{quote(rest, safe=PATH_SAFE)}" if rest else "")
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    with tracing.child(
        f"{request.method} {service}",
        kind=tracing.SpanKind.CLIENT,
        attributes={"http.request.method": request.method, "sb.upstream": service},
    ) as span:
        tracing.inject(headers)  # the service's request span is this span's child
        try:
            upstream = replicas.request(
                request.method, url, body=request.get_data() or None, headers=headers
            )
        except urllib3.exceptions.HTTPError as exc:
            current_app.logger.warning("upstream %s unavailable: %s", service, type(exc).__name__)
            raise UpstreamUnavailable(detail_en=f"{service} did not answer")
        span.set_attribute("http.response.status_code", upstream.status)
    touched = [s for s in upstream.headers.get(data_subjects.HEADER, "").split(",") if s]
    record_access(
        identity,
        touched,
        request.method,
        request.path,
        upstream.status,
        g.correlation_id,
        basis=upstream.headers.get(data_subjects.BASIS_HEADER),
        reason=unquote(upstream.headers.get(data_subjects.REASON_HEADER, "")) or None,
    )
    response = Response(upstream.data, status=upstream.status)
    for name in FORWARDED_RESPONSE_HEADERS:
        if name in upstream.headers:
            response.headers[name] = upstream.headers[name]
    # Personal data must not stay in shared or browser caches.
    response.headers.setdefault("Cache-Control", "no-store")
    return response
