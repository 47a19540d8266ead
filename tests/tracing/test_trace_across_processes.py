"""One trace id follows a submitted application through every process of the platform as
`make run` starts it: the gateway, the applications service, its worker's relay, the
notifications worker (the consumer and the letter sent) and the overview worker (the consumer
and the push, which carries the traceparent to the index). Read back from the span files each
process writes, with the parent of every span where it must be; no span holds a CPR number."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from kit.trace_files import read_spans, render_tree, trace_spans
from tests.e2e.platform import running_platform
from tests.harness.gateway_stack import ANNA
from tests.harness.traces import ancestry, browser_traceparent, cpr_shaped, one, trace_env
from tests.waiting import wait_until

PORT_BASE = 20500
ANNA_CPR = "0101801234"  # gateway/mock_idp.py
ANSWERS = {
    "device_name": "Rollator",
    "application_kind": "new",
    "already_bought": False,
    "disability_description": "Jeg har svært ved at gå langt.",
    "condition_permanent": True,
    "purpose": "daily_life",
}
# Every process the trace must pass through, and what its span is.
EXPECTED = {
    "gateway": "SERVER",
    "applications": "SERVER",
    "applications-worker": "PRODUCER",
    "notifications-worker": "CONSUMER",
    "overview-worker": "CONSUMER",
}


@pytest.fixture(params=["embedded"])
def infrastructure(request) -> dict[str, str]:
    """Nothing (SQLite, the embedded log), or Kafka and PostgreSQL with a database per service
    (the same ones the launcher test uses: migrated already, so the start stays short; the
    assertions look at this run's trace only)."""
    if request.param == "embedded":
        return {}
    from tests.conftest import kafka_bootstrap

    admin_url = request.getfixturevalue("postgres_admin_url")
    return {
        "KAFKA_BOOTSTRAP": kafka_bootstrap(),
        "DATABASE_URL": admin_url.rsplit("/", 1)[0] + "/{service}",
    }


def test_one_trace_id_follows_an_application_through_every_process(tmp_path, infrastructure):
    var = tmp_path / "var"
    with running_platform(var, PORT_BASE, trace_env() | infrastructure) as site:
        anna = site.session(ANNA)
        created = anna.post(
            f"{site.gateway}/api/applications",
            json={"type": "hjaelpemidler", "answers": ANSWERS},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        application_id = created.json()["id"]
        traceparent, trace_id, browser_span = browser_traceparent()
        submitted = anna.post(
            f"{site.gateway}/api/applications/{application_id}/submit",
            headers={"traceparent": traceparent},
            timeout=10,
        )
        assert submitted.status_code == 200, submitted.text
        # The correlation id the citizen's answer names is the trace id.
        assert submitted.headers["X-Correlation-ID"].replace("-", "") == trace_id

        stub = f"http://127.0.0.1:{PORT_BASE + 300}"
        wait_until(
            lambda: _receipt(site.gateway, anna) and _pushes(stub, application_id),
            90,
            interval_s=0.5,
            message="the receipt letter and the Mit Overblik record",
        )

        def complete() -> list[dict[str, Any]] | None:
            spans = trace_spans(trace_id, var / "traces")
            sent = one(spans, kind="CLIENT", attr_sb__notification__channel=bool)
            pushed = one(spans, kind="CLIENT", attr_sb__overview__kind="sag")
            return spans if sent and pushed else None

        wait_until(complete, 30, interval_s=0.5, message="every process's spans on file")
        time.sleep(1)  # what the last batch of each exporter held
        spans = trace_spans(trace_id, var / "traces")
        received = _pushes(stub, application_id)

    tree = render_tree(spans)
    processes = {s["process"] for s in spans}
    for process, kind in EXPECTED.items():
        assert one(spans, process=process, kind=kind), f"no {kind} span of {process}:\n{tree}"

    # The gateway continues the browser's span; the service continues the gateway's call.
    (gateway,) = one(spans, process="gateway", kind="SERVER")
    assert gateway["parent_span_id"] == browser_span, tree
    (request,) = one(spans, process="applications", kind="SERVER")
    proxy = _by_id(spans, request["parent_span_id"])
    assert proxy["process"] == "gateway" and proxy["kind"] == "CLIENT", tree
    assert proxy["parent_span_id"] == gateway["span_id"], tree

    # The letter: sent <- notifications consumer <- relay's publish <- the submit request.
    (sent,) = one(spans, kind="CLIENT", attr_sb__notification__channel=bool)
    chain = ancestry(spans, sent)
    assert [(s["process"], s["kind"]) for s in chain] == [
        ("notifications-worker", "CLIENT"),
        ("notifications-worker", "CONSUMER"),
        ("applications-worker", "PRODUCER"),
        ("applications", "SERVER"),
        ("gateway", "CLIENT"),
        ("gateway", "SERVER"),
    ], tree
    assert chain[2]["attributes"]["cloudevents.event_type"].endswith("application.submitted.v1")

    # The push: push <- overview consumer <- relay's publish <- the submit request.
    pushes = one(spans, kind="CLIENT", attr_sb__overview__kind="sag")
    chain = ancestry(spans, pushes[0])
    assert [(s["process"], s["kind"]) for s in chain[:3]] == [
        ("overview-worker", "CLIENT"),
        ("overview-worker", "CONSUMER"),
        ("applications-worker", "PRODUCER"),
    ], tree
    assert chain[-1]["span_id"] == gateway["span_id"], tree
    # ... and the index received the push's own traceparent.
    assert f"00-{trace_id}-{pushes[0]['span_id']}-01" in {p["traceparent"] for p in received}

    # Every span of every process: none names Anna's CPR number or anything shaped like one.
    everything = list(read_spans(var / "traces"))
    assert everything and not cpr_shaped(everything, known=(ANNA_CPR,)), processes


def _receipt(gateway: str, anna: requests.Session) -> bool:
    answer = anna.get(f"{gateway}/api/notifications/me/messages", timeout=10)
    return answer.ok and any(
        m.get("template_id") == "application_receipt" for m in answer.json()["messages"]
    )


def _pushes(stub: str, application_id: str) -> list[dict[str, Any]]:
    received = requests.get(f"{stub}/admin/log", timeout=5).json()["received"]
    return [p for p in received if p["kind"] == "sag" and application_id in str(p["id"])]


def _by_id(spans: list[dict[str, Any]], span_id: str | None) -> dict[str, Any]:
    return next(s for s in spans if s["span_id"] == span_id)
