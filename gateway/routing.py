"""Routing /api/<service>/... to the service that owns it, passing the correlation id."""

from __future__ import annotations

import os

import requests
from flask import Blueprint, Response, current_app, g, request

from kit.errors import Problem
from kit.web import CORRELATION_HEADER

SERVICES = ("applications", "consents", "appointments", "notifications")
DEFAULT_PORTS = {"applications": 8101, "consents": 8102, "appointments": 8103,
                 "notifications": 8104}

# Only these travel to and from the services; everything else (cookies above all) stays here.
FORWARDED_REQUEST_HEADERS = ("Authorization", "Content-Type", "Accept", "Accept-Language",
                             "If-Match", "If-None-Match", "Idempotency-Key")
FORWARDED_RESPONSE_HEADERS = ("Content-Type", "ETag", "Location", "Retry-After",
                              "Content-Disposition")

bp = Blueprint("routing", __name__)


def upstreams() -> dict[str, str]:
    return {name: os.environ.get(f"SB_UPSTREAM_{name.upper()}",
                                 f"http://127.0.0.1:{DEFAULT_PORTS[name]}")
            for name in SERVICES}


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


@bp.route("/api/<service>/", defaults={"rest": ""},
          methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/api/<service>/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def proxy(service: str, rest: str):
    base = current_app.config["UPSTREAMS"].get(service)
    if base is None:
        raise UnknownService(f"Der er ingen tjeneste ved navn {service!r}.",
                             f"There is no service called {service!r}.")
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS
               if name in request.headers}
    headers[CORRELATION_HEADER] = g.correlation_id
    try:
        upstream = requests.request(
            request.method, f"{base}/api/{service}/{rest}", params=request.args,
            data=request.get_data(), headers=headers, timeout=(3, 30), allow_redirects=False,
        )
    except requests.RequestException as exc:
        current_app.logger.warning("upstream %s unavailable: %s", service, type(exc).__name__)
        raise UpstreamUnavailable(detail_en=f"{service} did not answer")
    response = Response(upstream.content, status=upstream.status_code)
    for name in FORWARDED_RESPONSE_HEADERS:
        if name in upstream.headers:
            response.headers[name] = upstream.headers[name]
    return response
