"""The stub's HTTP face: the two indexes' write endpoints, the borger.dk view and fault controls.

    PUT  /sagsindeks/sager/<uuid>        a case record (Sags- og Dokumentindeks)
    PUT  /ydelsesindeks/ydelser/<uuid>   a payment record (Ydelsesindeks)
    GET  /                               what the citizen would see on borger.dk (Danish)
    GET  /admin/log, /admin/state        what arrived, in order; what is stored
    POST /admin/fault                    {"mode": "error", "status": 503, "count": 3}
                                         {"mode": "timeout", "seconds": 5} | {"mode": "slow", ...}
    POST /admin/reset                    forget everything, stop failing

A newer version replaces the stored record; the same version again changes nothing
("unchanged"); an older one is ignored ("stale"). Both answer 200: the sender did nothing wrong.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import orjson
from flask import Flask, abort, jsonify, render_template_string, request

from infra.overview_stub.validation import Invalid, check_case, check_payment
from infra.overview_stub.view import PAGE, citizens

CHECKS = {"sag": check_case, "ydelse": check_payment}


class IndexState:
    """Everything the stub holds, behind one lock (the server is threaded)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {"sag": {}, "ydelse": {}}
        self.log: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.fault: dict[str, Any] = {}

    def store(
        self,
        kind: str,
        record_id: str,
        body: dict[str, Any],
        correlation_id: str | None = None,
        traceparent: str | None = None,
    ) -> str:
        with self.lock:
            current = self.records[kind].get(record_id)
            if current is not None and body["Version"] < current["Version"]:
                result = "stale"
            elif current is not None and body["Version"] == current["Version"]:
                result = "unchanged"
            else:
                self.records[kind][record_id] = body
                result = "stored"
            self.log.append(
                {
                    "kind": kind,
                    "id": record_id,
                    "version": body["Version"],
                    "result": result,
                    "at": datetime.now(UTC).isoformat(),
                    "correlation_id": correlation_id,
                    "traceparent": traceparent,  # as the real index would see it
                }
            )
            return result

    def take_fault(self) -> dict[str, Any]:
        with self.lock:
            fault = dict(self.fault)
            if fault and fault.get("count") is not None:
                self.fault["count"] -= 1
                if self.fault["count"] <= 0:
                    self.fault = {}
            return fault


class WriteEndpoints:
    """The two PUT endpoints as a plain WSGI layer in front of Flask: parse, fault, validate,
    store, answer. Flask's request and app contexts, routing and `jsonify` cost half the
    stub's time per push (py-spy, docs/BENCHMARKS.md), and the stub shares the machine with the
    connector it is measured against. Everything else goes on to Flask."""

    PATHS = (("/sagsindeks/sager/", "sag"), ("/ydelsesindeks/ydelser/", "ydelse"))

    def __init__(self, app: Any, index: IndexState) -> None:
        self.app = app
        self.index = index

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] == "PUT":
            path = environ.get("PATH_INFO", "")
            for prefix, kind in self.PATHS:
                record_id = path[len(prefix) :]
                if path.startswith(prefix) and record_id and "/" not in record_id:
                    status, body = self.receive(kind, record_id, environ)
                    start_response(
                        status,
                        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                    )
                    return [body]
        return self.app(environ, start_response)

    def receive(self, kind: str, record_id: str, environ: dict[str, Any]) -> tuple[str, bytes]:
        index = self.index
        fault = index.take_fault()
        if fault.get("mode") in ("timeout", "slow"):
            time.sleep(float(fault.get("seconds", 1.0)))
        if fault.get("mode") == "error":
            code = int(fault.get("status", 503))
            return f"{code} {HTTPStatus(code).phrase}", orjson.dumps({"code": "stub.failing"})
        body = _json_body(environ)
        try:
            CHECKS[kind](record_id, body)
        except Invalid as exc:
            with index.lock:
                index.rejected.append({"kind": kind, "id": record_id, **exc.as_dict()})
            return "400 BAD REQUEST", orjson.dumps(exc.as_dict())
        assert isinstance(body, dict)  # the checks above refuse anything else
        result = index.store(
            kind,
            record_id,
            body,
            environ.get("HTTP_X_CORRELATION_ID"),
            environ.get("HTTP_TRACEPARENT"),
        )
        return "200 OK", orjson.dumps({"result": result})


def _json_body(environ: dict[str, Any]) -> Any:
    """The request's JSON, or None when it is not JSON (the checks then refuse it)."""
    mimetype = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if not (mimetype == "application/json" or mimetype.endswith("+json")):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return orjson.loads(environ["wsgi.input"].read(length)) if length else None
    except (ValueError, orjson.JSONDecodeError):
        return None


def create_app(state: IndexState | None = None) -> Flask:
    app = Flask("overview_stub")
    index = state or IndexState()
    app.extensions["index"] = index
    app.wsgi_app = WriteEndpoints(app.wsgi_app, index)  # type: ignore[method-assign]

    @app.get("/sagsindeks/sager/<record_id>")
    def get_case(record_id: str):
        return jsonify(index.records["sag"].get(record_id) or abort(404))

    @app.get("/ydelsesindeks/ydelser/<record_id>")
    def get_payment(record_id: str):
        return jsonify(index.records["ydelse"].get(record_id) or abort(404))

    @app.get("/")
    def borger_dk():
        with index.lock:
            people = citizens(index.records["sag"], index.records["ydelse"])
        return render_template_string(PAGE, citizens=people)

    @app.get("/admin/log")
    def log():
        with index.lock:
            return jsonify(received=list(index.log), rejected=list(index.rejected))

    @app.get("/admin/state")
    def state_view():
        with index.lock:
            return jsonify(index.records)

    @app.post("/admin/fault")
    def set_fault():
        fault = request.get_json(silent=True) or {}
        if fault.get("mode") not in ("error", "timeout", "slow", None):
            return jsonify(code="stub.unknown_fault"), 400
        with index.lock:
            index.fault = fault if fault.get("mode") else {}
        return jsonify(fault=index.fault)

    @app.post("/admin/reset")
    def reset():
        with index.lock:
            index.reset()
        return jsonify(status="reset")

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", service="overview-stub")

    return app
