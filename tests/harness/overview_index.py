"""The index stub in-process on a free port, and a connector on a real database around it."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from infra.overview_stub.app import IndexState, create_app
from kit.db import make_engine
from kit.events import Event, decode_event, encode_event
from kit.inbox import AlreadyHandled, handle_once
from kit.migrate import upgrade
from services.overview import store
from services.overview.config import RetryPolicy
from services.overview.handlers import GROUP
from services.overview.policies import load_policies, policy_from_definition
from services.overview.pusher import Pusher
from services.overview.services import OverviewConnector
from services.overview.transport import HttpTransport
from tests.overview.builders import ORG
from tests.waiting import wait_until

FAST_RETRY = RetryPolicy(initial_s=0.01, max_s=0.05, jitter_s=0.01, max_attempts=100)


@dataclass
class Stub:
    url: str
    state: IndexState

    def fault(self, mode: str | None, **options: Any) -> None:
        requests.post(
            f"{self.url}/admin/fault", json={"mode": mode, **options}, timeout=5
        ).raise_for_status()

    def put(self, kind: str, record_id: str, body: Any) -> requests.Response:
        path = "sagsindeks/sager" if kind == "sag" else "ydelsesindeks/ydelser"
        return requests.put(f"{self.url}/{path}/{record_id}", json=body, timeout=5)

    def records(self, kind: str = "sag") -> dict[str, dict[str, Any]]:
        return json.loads(json.dumps(self.state.records[kind]))

    def received(self, record_id: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.state.log if record_id is None or e["id"] == record_id]

    def page(self) -> str:
        return requests.get(self.url + "/", timeout=5).text


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = IndexState()
    server = make_server("127.0.0.1", 0, create_app(state), threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield Stub(f"http://127.0.0.1:{server.server_port}", state)
    server.shutdown()
    thread.join(5)


def hidden_policy():
    """A type like hjaelpemidler, but not published to the overview (e.g. a social case)."""
    definition = json.loads(
        (load_policies.__globals__["CATALOGUE_DIR"] / "hjaelpemidler.json").read_text(
            encoding="utf-8"
        )
    )
    return policy_from_definition({**definition, "id": "skjult", "published_to_overview": False})


class Connector:
    """The connector as the worker runs it, with each part reachable."""

    def __init__(
        self,
        database_url: str,
        stub: Stub,
        retry: RetryPolicy = FAST_RETRY,
        timeout_s: float = 2.0,
        workers: int = 4,
    ) -> None:
        upgrade("overview", database_url)
        self.engine = make_engine(database_url)
        self.stub = stub
        self.service = OverviewConnector({**load_policies(), "skjult": hidden_policy()}, ORG)
        self.handler = handle_once(self.engine, GROUP, self.service.take_event)
        self.pusher = Pusher(
            self.engine, HttpTransport(stub.url, timeout_s), retry, workers=workers, idle_s=0.01
        )

    def deliver(self, *events: Event) -> None:
        """As the consumer would: bytes off the bus, decoded, handled once."""
        for event in events:
            with contextlib.suppress(AlreadyHandled):
                self.handler(decode_event(encode_event(event)))

    def counts(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return store.counts(conn)

    def push_all(self, timeout_s: float = 30.0) -> None:
        wait_until(
            lambda: self.counts()["pending"] == 0,
            timeout_s,
            step=self.pusher.run_once,
            message="every push to reach the index",
        )

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def connector(database_url, stub) -> Iterator[Connector]:
    harness = Connector(database_url, stub)
    yield harness
    harness.close()
