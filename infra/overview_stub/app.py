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
from typing import Any

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


def create_app(state: IndexState | None = None) -> Flask:
    app = Flask("overview_stub")
    index = state or IndexState()
    app.extensions["index"] = index

    def receive(kind: str, record_id: str):
        fault = index.take_fault()
        if fault.get("mode") in ("timeout", "slow"):
            time.sleep(float(fault.get("seconds", 1.0)))
        if fault.get("mode") == "error":
            return jsonify(code="stub.failing"), int(fault.get("status", 503))
        body = request.get_json(silent=True)
        try:
            CHECKS[kind](record_id, body)
        except Invalid as exc:
            with index.lock:
                index.rejected.append({"kind": kind, "id": record_id, **exc.as_dict()})
            return jsonify(exc.as_dict()), 400
        assert isinstance(body, dict)  # the checks above refuse anything else
        correlation_id = request.headers.get("X-Correlation-ID")
        traceparent = request.headers.get("traceparent")
        return jsonify(result=index.store(kind, record_id, body, correlation_id, traceparent)), 200

    @app.put("/sagsindeks/sager/<record_id>")
    def put_case(record_id: str):
        return receive("sag", record_id)

    @app.put("/ydelsesindeks/ydelser/<record_id>")
    def put_payment(record_id: str):
        return receive("ydelse", record_id)

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
