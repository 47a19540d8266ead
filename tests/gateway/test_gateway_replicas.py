"""Two gateway processes side by side share sessions and rate limits, so a citizen may reach
either: a logout on one ends the session on the other at once, and a caller's limit holds
across both."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
import urllib3

from gateway.app import create_app as create_gateway
from gateway.mock_idp import create_app as create_mock_idp
from gateway.ratelimit import SharedWindows
from kit.config import Settings
from kit.db import make_engine
from kit.migrate import upgrade
from kit.replicas import Replicas
from tests.harness.clock import mid_window
from tests.harness.gateway_stack import ANNA, Stack, build_stack, serve


def closed_port() -> int:
    """A port nobody listens on: a replica that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def replicas(tmp_path, monkeypatch) -> Iterator[tuple[Stack, str]]:
    """The gateway stack, and a second gateway on the same database and keys."""
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    for stack in build_stack(tmp_path, lambda _url: create_mock_idp(), {}):
        config = replace(stack.app.extensions["gateway_config"], rate_limit_citizen="3/minute")
        stack.app.extensions["gateway_config"] = config
        # Its applications service has two replicas, the first of which is down.
        down = f"http://127.0.0.1:{closed_port()}"
        second = create_gateway(
            upstreams={"applications": f"{down}, {stack.applications}"},
            config=config,
            settings=Settings(service="gateway", database_url=str(stack.engine.url)),
        )
        with serve(second) as second_url:
            stack.second = second  # type: ignore[attr-defined]
            yield stack, second_url


def test_a_logout_on_one_gateway_ends_the_session_on_the_other_at_once(replicas):
    stack, second = replicas
    anna = stack.browser()
    stack.login(anna, ANNA)
    # Both gateways now remember the session (for up to SB_SESSION_CACHE_S).
    assert anna.get(f"{stack.gateway}/auth/session").status_code == 200
    assert anna.get(f"{second}/auth/session").status_code == 200
    assert anna.get(f"{second}/auth/session").status_code == 200
    anna.post(f"{stack.gateway}/auth/logout", headers=stack.csrf(anna))
    assert anna.get(f"{second}/auth/session").status_code == 401
    assert anna.get(f"{second}/api/applications").status_code == 401


def test_a_citizens_rate_limit_holds_across_both_gateways(replicas):
    stack, second = replicas
    anna = stack.browser()
    stack.login(anna, ANNA)
    stopped = mid_window()  # no minute turns over between the requests
    for app in (stack.app, stack.second):
        app.extensions["rate_windows"].clock = stopped
    answers = [
        anna.get(f"{url}/api/applications").status_code
        for url in (stack.gateway, second, stack.gateway)
    ]
    assert answers == [200, 200, 200]
    for app in (stack.app, stack.second, stack.app):  # what each does every SB_RATE_SYNC_S
        app.extensions["rate_windows"].sync()
    assert anna.get(f"{second}/api/applications").status_code == 429
    assert anna.get(f"{stack.gateway}/api/applications").status_code == 429


def test_shared_windows_count_the_hits_of_every_process(database_url):
    upgrade("gateway", database_url)
    now = [1000.0]
    engines = [make_engine(database_url) for _ in range(2)]
    first, second = (SharedWindows(engine, clock=lambda: now[0]) for engine in engines)
    assert [first.hit("citizen:anna", "4/minute")[0] for _ in range(3)] == [True] * 3
    first.sync()
    assert second.hit("citizen:anna", "4/minute")[0] is True  # not yet seen: 1 here
    second.sync()  # learns the first's 3: 4 in all
    assert second.hit("citizen:anna", "4/minute")[0] is False
    first.sync()
    assert first.hit("citizen:anna", "4/minute")[0] is False
    assert first.hit("citizen:bent", "4/minute")[0] is True  # per caller
    now[0] += 60  # the next window starts from nothing
    assert second.hit("citizen:anna", "4/minute") == (True, 3, 21)
    for engine in engines:
        engine.dispose()


def test_a_replica_that_is_down_is_passed_over_for_every_request(replicas):
    stack, second = replicas
    anna = stack.browser()
    stack.login(anna, ANNA)
    stopped = mid_window()  # no minute turns over between the requests
    for app in (stack.app, stack.second):
        app.extensions["rate_windows"].clock = stopped
    answers = [anna.get(f"{second}/api/applications").status_code for _ in range(3)]
    csrf = stack.csrf(anna)
    created = anna.post(  # not idempotent, but it never reached the replica that is down
        f"{second}/api/applications",
        json={"type": "boligstoette"},
        headers=csrf,
    )
    assert answers == [200, 200, 200] and created.status_code != 502, created.text


class Counting:
    """A replica that answers 200 and counts; or, with `drop`, reads the request and hangs up
    without an answer (a replica killed mid-request)."""

    def __init__(self, drop: bool = False) -> None:
        self.seen = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.drop = drop
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            conn, _ = self.server.accept()
            with conn:
                conn.recv(65536)
                self.seen += 1
                if not self.drop:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def test_requests_spread_round_robin_over_the_replicas():
    first, second = Counting(), Counting()
    replicas = Replicas.parse(f"{first.url},{second.url}")
    for _ in range(10):
        assert replicas.request("GET", "/x", body=None, headers={}).status == 200
    assert (first.seen, second.seen) == (5, 5)


def test_a_request_lost_mid_way_is_sent_again_only_when_that_is_safe():
    dropping, answering = Counting(drop=True), Counting()

    def dropping_first() -> Replicas:  # a new round starts with the first replica
        return Replicas([dropping.url, answering.url])

    # A GET, and a POST with an Idempotency-Key: the other replica answers.
    assert dropping_first().request("GET", "/x", body=None, headers={}).status == 200
    keyed = {"Idempotency-Key": "k-1"}
    assert dropping_first().request("POST", "/x", body=b"{}", headers=keyed).status == 200
    assert (dropping.seen, answering.seen) == (2, 2)
    # A POST without one may have taken effect: not sent twice.
    with pytest.raises(urllib3.exceptions.HTTPError):
        dropping_first().request("POST", "/x", body=b"{}", headers={})
    assert (dropping.seen, answering.seen) == (3, 2)
