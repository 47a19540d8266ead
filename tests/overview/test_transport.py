"""The HTTP adapter's verdicts: what is worth trying again, what is not, and never the payload
in an error."""

from __future__ import annotations

import socket
import uuid

import pytest

from services.overview.transport import HttpTransport, RejectedPush, TransientPushError
from tests.overview.builders import CPR
from tests.overview.test_stub import valid_case


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_index_that_refuses_the_connection_is_tried_again_later():
    transport = HttpTransport(f"http://127.0.0.1:{_closed_port()}", timeout_s=1)
    body = valid_case()
    with pytest.raises(TransientPushError) as caught:
        transport.push("sag", body["UUIDIdentifikator"], body)
    assert CPR not in str(caught.value)


def test_a_refused_record_carries_the_index_code_and_a_5xx_is_transient(stub):
    transport = HttpTransport(stub.url, timeout_s=2)
    body = {**valid_case(), "Indhold": "brevets tekst"}
    with pytest.raises(RejectedPush) as caught:
        transport.push("sag", body["UUIDIdentifikator"], body)
    assert caught.value.code == "content.forbidden" and CPR not in str(caught.value)
    stub.fault("error", status=503, count=1)
    with pytest.raises(TransientPushError, match="503"):
        transport.push("sag", str(uuid.uuid4()), valid_case())


def test_the_index_verdicts_come_back(stub):
    transport = HttpTransport(stub.url + "/", timeout_s=2)
    body = valid_case()
    record_id = body["UUIDIdentifikator"]
    assert transport.push("sag", record_id, body, correlation_id="c-1") == "stored"
    assert transport.push("sag", record_id, body) == "unchanged"
    assert transport.push("sag", record_id, {**body, "Version": body["Version"] - 1}) == "stale"
    assert stub.received(record_id)[0]["correlation_id"] == "c-1"
