"""How a record reaches the national index: a small interface, and its HTTP adapter.

A Serviceplatformen SOAP adapter (SF1470 `importer`/`opdater`) would be one more class with the
same `push`, turning the same payload into the OIO XML envelope.
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson
import urllib3
from urllib3.exceptions import HTTPError

from kit import tracing
from kit.replicas import Replicas
from kit.web import CORRELATION_HEADER

PATHS = {"sag": "/sagsindeks/sager/{id}", "ydelse": "/ydelsesindeks/ydelser/{id}"}


class TransientPushError(Exception):
    """The index could not take it now (down, slow, overloaded): try again later."""


class RejectedPush(Exception):
    """The index refused the record itself: trying again cannot help. `code` is the index's."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


class Transport(Protocol):
    def push(
        self,
        kind: str,
        record_id: str,
        payload: dict[str, Any],
        correlation_id: str | None = None,
    ) -> str:
        """Deliver one record; returns the index's verdict ("stored", "unchanged", "stale")."""


class HttpTransport:
    """PUT per record over the platform's keep-alive pool (kit.replicas: one urllib3 pool
    per upstream, shared by the push threads). `requests` cost as much CPU per push as the
    request itself (environment proxies, hooks, cookie jars: docs/BENCHMARKS.md)."""

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.index = Replicas.parse(base_url)
        self.timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)

    def push(
        self,
        kind: str,
        record_id: str,
        payload: dict[str, Any],
        correlation_id: str | None = None,
    ) -> str:
        headers = {"Content-Type": "application/json"}
        if correlation_id:
            headers[CORRELATION_HEADER] = correlation_id
        tracing.inject(headers)  # the index may continue the trace (W3C traceparent)
        try:
            response = self.index.request(
                "PUT",
                PATHS[kind].format(id=record_id),
                body=orjson.dumps(payload),
                headers=headers,
                timeout=self.timeout,
            )
        except HTTPError as exc:
            # Never the payload in an error: it holds the CPR number.
            raise TransientPushError(f"{type(exc).__name__} calling {kind} endpoint") from None
        if response.status >= 500 or response.status in (408, 429):
            raise TransientPushError(f"index answered {response.status}")
        if response.status >= 400:
            body = _json(response.data)
            raise RejectedPush(
                str(body.get("code", f"http.{response.status}")),
                f"{body.get('field', '')} {body.get('detail', '')}".strip(),
            )
        return str(_json(response.data).get("result", "stored"))


def _json(data: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}
