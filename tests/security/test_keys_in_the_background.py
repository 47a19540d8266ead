"""Finding 1, in the small: a service's request path never fetches the gateway's keys. It
serves the keys it holds, is refused at once (503) while it holds none, and one background
fetch at a time keeps them fresh; a failed fetch keeps the keys held."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask, jsonify

from kit.auth import TokenVerifier
from kit.keys import KeysNotReady, RemoteJwks
from tests.harness.gateway_stack import serve
from tests.tokens import TokenIssuer
from tests.waiting import wait_until


class SlowIssuer:
    """A JWKS endpoint that can hang or fail, and counts how many fetch at once."""

    def __init__(self) -> None:
        self.issuer = TokenIssuer()
        self.delay_s = 0.0
        self.failing = False
        self.active = self.most_at_once = self.calls = 0
        self.lock = threading.Lock()
        self.app = Flask("slow-issuer")
        self.app.get("/jwks")(self.jwks)

    def jwks(self):
        with self.lock:
            self.calls += 1
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
        try:
            time.sleep(self.delay_s)
            if self.failing:
                return "down", 503
            return jsonify(self.issuer.jwks)
        finally:
            with self.lock:
                self.active -= 1


@pytest.fixture
def issuer():
    slow = SlowIssuer()
    with serve(slow.app) as url:
        slow.url = url + "/jwks"
        yield slow


def test_a_request_is_refused_at_once_while_the_keys_are_on_their_way(issuer):
    issuer.delay_s = 2.0  # the issuer is busy (in the original deadlock: waiting on us)
    keys = RemoteJwks(issuer.url).start()
    started = time.monotonic()
    with pytest.raises(KeysNotReady) as refused:
        TokenVerifier(issuer.issuer.issuer, "selvbetjening", keys).verify(issuer.issuer.token())
    assert refused.value.status == 503
    assert time.monotonic() - started < 0.5
    with pytest.raises(KeysNotReady):
        keys.check_ready()  # and the service does not report ready
    assert keys.wait_until_ready(10)
    keys.check_ready()


def test_one_fetch_at_a_time_and_a_failed_refresh_keeps_the_keys(issuer):
    keys = RemoteJwks(issuer.url, min_refresh_s=0.0)
    assert keys.wait_until_ready(10)
    verifier = TokenVerifier(issuer.issuer.issuer, "selvbetjening", keys)
    issuer.delay_s, issuer.failing = 2.0, True  # every refresh now hangs, then fails
    stranger = TokenIssuer(issuer=issuer.issuer.issuer)  # a key id the JWKS does not hold

    def call(n: int) -> tuple[float, bool]:
        started = time.monotonic()
        try:
            if n % 2:
                verifier.verify(stranger.token())  # asks for a refresh
            else:
                verifier.verify(issuer.issuer.token())
            ok = True
        except Exception:
            ok = False
        return time.monotonic() - started, ok

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(call, range(200)))
    # A request that waited on the (2 s) fetch would take longer than that.
    assert max(elapsed for elapsed, _ in results) < 1.5, "a request waited on a fetch"
    # Tokens signed with the held key verify all along, though every refresh fails.
    assert all(ok for n, (_, ok) in enumerate(results) if n % 2 == 0)
    assert not any(ok for n, (_, ok) in enumerate(results) if n % 2)
    wait_until(lambda: issuer.calls >= 2, 10, message="a refresh in the background")
    assert issuer.most_at_once == 1
