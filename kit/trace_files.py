"""Spans as JSON lines, one file per process under the var dir, and the operator's command to
find and show one trace from them.

    python -m kit.trace_files show TRACE_OR_CORRELATION_ID   # the trace as a tree
    python -m kit.trace_files find ID                        # trace ids whose spans name ID
                                                             # (an application id, an event id)
One line per span: trace_id, span_id, parent_span_id, name, kind, process, start and end (Unix
nanoseconds), duration_ms, status, attributes. A file past SB_TRACE_FILE_MAX_MB (64) is moved
to `<name>.1` (one generation kept), so traces never fill the disk.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from kit.config import var_dir


def traces_dir() -> Path:
    return var_dir() / "traces"


def span_record(span: ReadableSpan) -> dict[str, Any]:
    found = span.get_span_context()
    parent = span.parent
    start, end = span.start_time or 0, span.end_time or 0
    return {
        "trace_id": f"{found.trace_id:032x}" if found else "",
        "span_id": f"{found.span_id:016x}" if found else "",
        "parent_span_id": f"{parent.span_id:016x}" if parent else None,
        "name": span.name,
        "kind": span.kind.name,
        "process": span.resource.attributes.get("service.name", ""),
        "start_ns": start,
        "end_ns": end,
        "duration_ms": round((end - start) / 1e6, 3),
        "status": span.status.status_code.name,
        "status_reason": span.status.description,
        "attributes": dict(span.attributes or {}),
    }


class JsonLinesExporter(SpanExporter):
    def __init__(self, path: Path | None, stream: IO[str] | None = None) -> None:
        self.path = path
        self.stream = stream
        self.max_bytes = int(float(os.environ.get("SB_TRACE_FILE_MAX_MB", "64")) * 1024 * 1024)
        self._lock = threading.Lock()

    @classmethod
    def to_var_dir(cls, process: str) -> JsonLinesExporter:
        return cls(traces_dir() / f"{process}-{os.getpid()}.jsonl")

    @classmethod
    def to_stderr(cls, process: str) -> JsonLinesExporter:
        return cls(None, sys.stderr)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        # orjson: the export thread holds the GIL for a fraction of what json.dumps needs.
        text = b"".join(orjson.dumps(span_record(s), default=str) + b"\n" for s in spans)
        try:
            with self._lock:
                if self.stream is not None:
                    self.stream.write(text.decode())
                    self.stream.flush()
                elif self.path is not None:
                    self._append(self.path, text)
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def _append(self, path: Path, text: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if path.stat().st_size > self.max_bytes:
                path.replace(path.with_name(path.name + ".1"))
        except FileNotFoundError:
            pass
        with path.open("ab") as out:
            out.write(text)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def read_spans(directory: Path | None = None) -> Iterator[dict[str, Any]]:
    """Every span exported to the files under `directory` (the var dir's traces/)."""
    for path in sorted((directory or traces_dir()).glob("*.jsonl*")):
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError:
                        continue  # a line cut by a crash mid-write


def trace_spans(trace_id: str, directory: Path | None = None) -> list[dict[str, Any]]:
    """The spans of one trace, oldest first; `trace_id` may be a correlation id (a UUID)."""
    wanted = trace_id.replace("-", "").lower()
    return sorted(
        (s for s in read_spans(directory) if s["trace_id"] == wanted), key=lambda s: s["start_ns"]
    )


def traces_naming(value: str, directory: Path | None = None) -> list[str]:
    """Trace ids of spans whose attributes mention `value` (an application or event id)."""
    found: dict[str, int] = {}
    for s in read_spans(directory):
        if any(value in str(v) for v in s["attributes"].values()):
            found.setdefault(s["trace_id"], s["start_ns"])
    return sorted(found, key=found.__getitem__)


def render_tree(spans: list[dict[str, Any]]) -> str:
    ids = {s["span_id"] for s in spans}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for s in spans:
        parent = s["parent_span_id"] if s["parent_span_id"] in ids else None
        children.setdefault(parent, []).append(s)
    lines: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for s in children.get(parent, []):
            mark = "" if s["status"] != "ERROR" else f"  ERROR {s['status_reason']}"
            lines.append(
                f"{'  ' * depth}{s['name']}  [{s['process']}] {s['duration_ms']} ms"
                f"  span {s['span_id']}{mark}"
            )
            walk(s["span_id"], depth + 1)

    walk(None, 0)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="one trace as a tree")
    show.add_argument("trace_id", help="a trace id or a correlation id")
    find = commands.add_parser("find", help="trace ids whose spans mention an id")
    find.add_argument("value")
    args = parser.parse_args(argv)
    if args.command == "show":
        spans = trace_spans(args.trace_id)
        if not spans:
            print(f"no spans of {args.trace_id} under {traces_dir()}", file=sys.stderr)
            return 1
        print(render_tree(spans))
        return 0
    for trace_id in traces_naming(args.value):
        print(trace_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
