"""How a record reaches the national index: a small interface, and its HTTP adapter.

A Serviceplatformen SOAP adapter (SF1470 `importer`/`opdater`) would be one more class with the
same `push`, turning the same payload into the OIO XML envelope.
"""

from __future__ import annotations

from typing import Any, Protocol

import requests

from kit import tracing
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
    def __init__(
        self, base_url: str, timeout_s: float = 5.0, session: requests.Session | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.session = session or requests.Session()

    def push(
        self,
        kind: str,
        record_id: str,
        payload: dict[str, Any],
        correlation_id: str | None = None,
    ) -> str:
        url = self.base_url + PATHS[kind].format(id=record_id)
        headers = {CORRELATION_HEADER: correlation_id} if correlation_id else {}
        tracing.inject(headers)  # the index may continue the trace (W3C traceparent)
        try:
            response = self.session.put(url, json=payload, headers=headers, timeout=self.timeout_s)
        except requests.RequestException as exc:
            # Never the payload in an error: it holds the CPR number.
            raise TransientPushError(f"{type(exc).__name__} calling {kind} endpoint") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise TransientPushError(f"index answered {response.status_code}")
        if response.status_code >= 400:
            body = _json(response)
            raise RejectedPush(
                str(body.get("code", f"http.{response.status_code}")),
                f"{body.get('field', '')} {body.get('detail', '')}".strip(),
            )
        return str(_json(response).get("result", "stored"))


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
