"""The browser starts the trace: the shared api() helper of the portal, the tablet and the
workspace sends a fresh W3C traceparent on every call, and the gateway's span continues it
(its parent is the browser's span), as does the service behind it."""

from __future__ import annotations

import re

import pytest

from tests.harness.gateway_stack import ANNA
from tests.harness.traces import ancestry, one
from tests.waiting import wait_until

pytestmark = pytest.mark.browser
W3C = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-01$")


def test_every_api_call_of_the_portal_starts_a_trace_the_gateway_continues(stack, page, recorded):
    sent: dict[str, list[str | None]] = {}
    page.on(
        "request",
        lambda r: (
            sent.setdefault(r.url.split("?")[0], []).append(r.headers.get("traceparent"))
            if "/api/" in r.url
            else None
        ),
    )
    page.goto(stack.gateway + "/")
    page.click("#session a")
    page.click(f"button[name=sub][value='{ANNA}']")
    page.wait_for_url(stack.gateway + "/")
    page.goto(stack.gateway + "/mine-sager/")
    page.wait_for_load_state("networkidle")
    wait_until(lambda: stack.gateway + "/api/applications" in sent, 10, message="the list of cases")

    every = [v for values in sent.values() for v in values]
    assert all(v and W3C.match(v) for v in every), every
    trace_ids = [W3C.match(v).group(1) for v in every if v]
    assert len(set(trace_ids)) == len(trace_ids), "each call starts its own trace"

    traceparent = sent[stack.gateway + "/api/applications"][0] or ""
    trace_id, browser_span = W3C.match(traceparent).groups()
    wait_until(
        lambda: one(recorded.records(), trace_id=trace_id, attr_sb__service="applications"),
        10,
        message="the service's span of the browser's call",
    )
    spans = [s for s in recorded.records() if s["trace_id"] == trace_id]
    (service,) = one(spans, kind="SERVER", attr_sb__service="applications")
    chain = ancestry(spans, service)
    assert [(s["kind"], s["name"]) for s in chain] == [
        ("SERVER", "GET /api/applications"),  # the applications service
        ("CLIENT", "GET applications"),  # the gateway's call to it
        ("SERVER", "GET /api/applications"),  # the gateway, child of the browser's span
    ]
    assert chain[-1]["attributes"]["sb.service"] == "gateway"
    assert chain[-1]["parent_span_id"] == browser_span
