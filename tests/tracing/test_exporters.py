"""Where spans go: the file exporter's JSON lines (what the operator's command reads back), and
OTLP over HTTP to a collector when SB_TRACE_EXPORTER=otlp (here a small receiver on loopback
that decodes what it gets: no collector is needed)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from kit import trace_files, tracing


def _provider(exporter) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": "tests-worker"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[tuple[str, str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.bodies.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    _Receiver.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_otlp_sends_each_span_to_the_collector_named_by_the_settings(collector, monkeypatch):
    monkeypatch.setenv("SB_TRACE_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector + "/v1/traces")
    provider = _provider(tracing._exporter("tests-worker"))
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    span = provider.get_tracer("t").start_span(
        "process applications notifications.rules",
        context=tracing.trace.set_span_in_context(
            tracing.NonRecordingSpan(tracing.parse_traceparent(traceparent))  # type: ignore[arg-type]
        ),
    )
    span.end()
    provider.shutdown()

    (path, content_type, body), *_ = _Receiver.bodies
    assert path == "/v1/traces" and content_type == "application/x-protobuf"
    request = ExportTraceServiceRequest.FromString(body)
    (sent,) = request.resource_spans[0].scope_spans[0].spans
    assert sent.trace_id.hex() == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert sent.parent_span_id.hex() == "00f067aa0ba902b7"
    assert sent.name == "process applications notifications.rules"


def test_the_file_exporter_writes_lines_the_operators_command_reads_back(tmp_path, monkeypatch):
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SB_TRACE_EXPORTER", "file")
    provider = _provider(tracing._exporter("tests-worker"))
    tracer = provider.get_tracer("t")
    with (
        tracer.start_as_current_span("POST /api/applications") as root,
        tracer.start_as_current_span("publish applications"),
    ):
        pass
    provider.shutdown()
    trace_id = f"{root.get_span_context().trace_id:032x}"

    spans = trace_files.trace_spans(tracing.correlation_id_of(int(trace_id, 16)))
    assert [s["name"] for s in spans] == ["POST /api/applications", "publish applications"]
    assert spans[1]["parent_span_id"] == spans[0]["span_id"]
    assert {s["process"] for s in spans} == {"tests-worker"}
    assert trace_files.main(["show", trace_id]) == 0


def test_an_unknown_exporter_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("SB_TRACE_EXPORTER", "jaeger")
    with pytest.raises(ValueError, match="SB_TRACE_EXPORTER"):
        tracing._exporter("tests")


def test_the_correlation_id_and_the_trace_id_are_the_same_bits():
    trace_id = 0x4BF92F3577B34DA6A3CE929D0E0E4736
    assert tracing.correlation_id_of(trace_id) == "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    assert tracing.trace_id_of("4bf92f35-77b3-4da6-a3ce-929d0e0e4736") == trace_id
    assert tracing.trace_id_of("journey-42") is None  # a case system's own id stays its own


@pytest.mark.parametrize(
    "value",
    [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  # no flags
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # forbidden version
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # upper case
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "00-0101801234-00f067aa0ba902b7-01",  # too short (and CPR-shaped)
    ],
)
def test_a_malformed_traceparent_starts_a_new_trace(value):
    assert tracing.parse_traceparent(value) is None
