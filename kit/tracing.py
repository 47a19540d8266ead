"""OpenTelemetry traces: one W3C trace from the browser's request through the gateway, the
services, the outbox, the bus and every consumer to the message sent and the overview push.

Each process calls `configure(name)` once; spans go where SB_TRACE_EXPORTER says:
- `file` (default): JSON lines in `<SB_VAR_DIR>/traces/<process>-<pid>.jsonl` (kit.trace_files)
- `console`: the same lines on stderr
- `otlp`: OTLP over HTTP to a collector (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
  OTEL_EXPORTER_OTLP_ENDPOINT, the SDK's own settings)
- `none`: context still travels (trace ids in events, logs and headers), nothing is exported.
OTEL_SDK_DISABLED=true turns tracing off altogether; OTEL_TRACES_SAMPLER samples as usual.

The correlation id and the trace id are the same 128 bits: a request with a traceparent gets
the trace id, spelled as a UUID, as its correlation id; a trace started without a parent takes
its trace id from the correlation id when that is a UUID (docs/decisions/0019-*.md).

Span attributes name ids of aggregates, event types, topics and status codes only: never a
CPR number, a name, an address or a message's text. Exceptions are recorded by type only (an
exception's text may quote SQL parameters).
"""

from __future__ import annotations

import contextvars
import os
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import (
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
)

TRACEPARENT = "traceparent"
EXPORTERS = ("file", "console", "otlp", "none")

_tracer = trace.get_tracer("selvbetjening")
_configured_pid: int | None = None
_lock = threading.Lock()
# The trace id a new root span should take (from a correlation id), read by the id generator.
_wanted_trace_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "wanted_trace_id", default=None
)


class _CorrelatedIds(RandomIdGenerator):
    """Random ids, except that a root span may be given its trace id (a correlation id's)."""

    def generate_trace_id(self) -> int:
        return _wanted_trace_id.get() or super().generate_trace_id()


def configure(process: str) -> None:
    """Install this process's tracer provider and exporter (once per process; after a fork,
    once more in the child)."""
    global _configured_pid
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return
    with _lock:
        if _configured_pid == os.getpid():
            return
        _configured_pid = os.getpid()
        provider = TracerProvider(
            resource=Resource.create(
                {"service.name": process, "service.namespace": "selvbetjening"}
            ),
            id_generator=_CorrelatedIds(),
        )
        exporter = _exporter(process)
        if exporter is not None:
            # Batched off the request thread: a span costs the request microseconds.
            provider.add_span_processor(
                BatchSpanProcessor(
                    exporter,
                    schedule_delay_millis=float(os.environ.get("OTEL_BSP_SCHEDULE_DELAY", 1000)),
                )
            )
        trace.set_tracer_provider(provider)


def _exporter(process: str) -> SpanExporter | None:
    choice = os.environ.get("SB_TRACE_EXPORTER", "file").strip().lower()
    if choice not in EXPORTERS:
        raise ValueError(f"SB_TRACE_EXPORTER={choice!r}: choose one of {', '.join(EXPORTERS)}")
    if choice == "none":
        return None
    if choice == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    from kit.trace_files import JsonLinesExporter

    if choice == "console":
        return JsonLinesExporter.to_stderr(process)
    return JsonLinesExporter.to_var_dir(process)


# -- the trace id and the correlation id ------------------------------------------------------


def correlation_id_of(trace_id: int) -> str:
    """The correlation id of a trace: its trace id spelled as a UUID."""
    return str(uuid.UUID(int=trace_id))


def trace_id_of(correlation_id: str | None) -> int | None:
    """The trace id a correlation id stands for, when it is a UUID (or 32 hex digits)."""
    if not correlation_id:
        return None
    try:
        return uuid.UUID(correlation_id).int or None
    except ValueError:
        return None


# -- W3C traceparent --------------------------------------------------------------------------


def parse_traceparent(value: str | None) -> SpanContext | None:
    """A remote parent from a `traceparent` value; None when absent or malformed."""
    if not value or len(value) > 512:
        return None
    parts = value.strip().split("-")
    if len(parts) < 4 or parts[0] == "ff" or len(parts[0]) != 2:
        return None
    if parts[0] == "00" and len(parts) != 4:
        return None
    version, trace_hex, span_hex, flags_hex = parts[:4]
    if len(trace_hex) != 32 or len(span_hex) != 16 or len(flags_hex) != 2:
        return None
    try:
        trace_id, span_id, flags = int(trace_hex, 16), int(span_hex, 16), int(flags_hex, 16)
        int(version, 16)
    except ValueError:
        return None
    if not trace_id or not span_id or trace_hex != trace_hex.lower():
        return None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=trace.TraceFlags(flags))


def traceparent_of(span: Span) -> str | None:
    found = span.get_span_context()
    if not found.is_valid:
        return None
    return f"00-{found.trace_id:032x}-{found.span_id:016x}-{int(found.trace_flags):02x}"


def current_traceparent() -> str | None:
    """The `traceparent` of the span this code runs in (None outside any trace)."""
    return traceparent_of(trace.get_current_span())


def inject(headers: dict[str, str]) -> dict[str, str]:
    """Add the current span's `traceparent` to outgoing headers."""
    value = current_traceparent()
    if value:
        headers[TRACEPARENT] = value
    return headers


# -- spans ------------------------------------------------------------------------------------


def start_span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    traceparent: str | None = None,
    correlation_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Span:
    """A span continuing `traceparent`; without one, the root of a new trace whose id comes
    from `correlation_id` when that is a UUID. Not current until `use`d; the caller ends it."""
    remote = parse_traceparent(traceparent)
    parent = trace.set_span_in_context(NonRecordingSpan(remote)) if remote else context.Context()
    token = _wanted_trace_id.set(None if remote else trace_id_of(correlation_id))
    try:
        return _tracer.start_span(name, context=parent, kind=kind, attributes=attributes)
    finally:
        _wanted_trace_id.reset(token)


@contextmanager
def continued(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    traceparent: str | None = None,
    correlation_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span]:
    """`start_span` as the current span for the block; ended when it leaves."""
    span = start_span(
        name,
        kind=kind,
        traceparent=traceparent,
        correlation_id=correlation_id,
        attributes=attributes,
    )
    with use(span):
        yield span


@contextmanager
def child(
    name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, Any] | None = None
) -> Iterator[Span]:
    """A span under the current one, current for the block."""
    span = _tracer.start_span(name, kind=kind, attributes=attributes)
    with use(span):
        yield span


@contextmanager
def use(span: Span) -> Iterator[Span]:
    """Make `span` current for the block and end it after; an exception marks it failed by
    its type only."""
    token = context.attach(trace.set_span_in_context(span))
    try:
        yield span
    except BaseException as exc:
        failed(span, type(exc).__name__)
        raise
    finally:
        context.detach(token)
        span.end()


def current_span() -> Span:
    return trace.get_current_span()


def activate(span: Span) -> object:
    """Make `span` current until `deactivate(token)` (for hooks that cannot use a block)."""
    return context.attach(trace.set_span_in_context(span))


def deactivate(token: object) -> None:
    context.detach(token)  # type: ignore[arg-type]


def failed(span: Span, reason: str) -> None:
    """Mark a span failed with a reason that names no personal data (a code or a type)."""
    span.set_status(Status(StatusCode.ERROR, reason[:200]))
