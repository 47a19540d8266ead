"""Spans in tests: an in-memory exporter on this process's provider, the same records the
file exporter writes, and the checks one trace must pass (parent links, no personal data)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kit import tracing
from kit.trace_files import span_record


class Recorded:
    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self.exporter = exporter

    def records(self) -> list[dict[str, Any]]:
        return [span_record(s) for s in self.exporter.get_finished_spans()]


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    """Every span this process ends during the test."""
    tracing.configure("tests")
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider), "tracing is not configured in this process"
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield Recorded(exporter)
    exporter.shutdown()  # the processor stays with the provider; a shut exporter keeps nothing


def browser_traceparent() -> tuple[str, str, str]:
    """What the browser's fetch helper sends: (traceparent, trace id, its span id)."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return f"00-{trace_id}-{span_id}-01", trace_id, span_id


def ancestry(spans: list[dict[str, Any]], span: dict[str, Any]) -> list[dict[str, Any]]:
    """`span` and its parents up to the trace's root, each found among `spans`."""
    by_id = {s["span_id"]: s for s in spans}
    chain = [span]
    while chain[-1]["parent_span_id"] in by_id:
        chain.append(by_id[chain[-1]["parent_span_id"]])
    return chain


def one(spans: list[dict[str, Any]], **wanted: Any) -> list[dict[str, Any]]:
    """Spans whose fields (or attributes, as attr_<name with dots as __>) match."""
    found = []
    for s in spans:
        ok = True
        for key, value in wanted.items():
            if key.startswith("attr_"):
                actual = s["attributes"].get(key[5:].replace("__", "."))
            else:
                actual = s[key]
            if callable(value) and not isinstance(value, str):
                ok = ok and bool(value(actual))
            else:
                ok = ok and actual == value
        if ok:
            found.append(s)
    return found


# A CPR number standing on its own: not ten digits inside a UUID's, a trace id's or a hash's
# hex run (those are random and would match now and then).
CPR_ALONE = re.compile(r"(?<![0-9A-Za-z-])\d{6}-?\d{4}(?![0-9A-Za-z-])")


def cpr_shaped(spans: list[dict[str, Any]], known: tuple[str, ...] = ()) -> list[str]:
    """Every span field or attribute value that is or holds a CPR number: one of `known` (the
    test people's), with or without its dash, or anything shaped like one on its own."""
    plain = {k.replace("-", "") for k in known} | {f"{k[:6]}-{k[6:]}" for k in known}
    hits = []
    for s in spans:
        for key, value in [*s.items(), *s["attributes"].items()]:
            if key == "attributes":
                continue
            text = str(value)
            if CPR_ALONE.search(text) or any(k in text for k in plain):
                hits.append(f"{s['process']} {s['name']}: {key}={text}")
    return hits


def trace_env() -> dict[str, str]:
    """What a platform started for a trace test needs: spans in files, flushed often (the
    default second would do; a quarter keeps the test short)."""
    return {"SB_TRACE_EXPORTER": "file", "OTEL_BSP_SCHEDULE_DELAY": "250"}
