"""Two gateway processes side by side share sessions and rate limits, so a citizen may reach
either: a logout on one ends the session on the other at once, and a caller's limit holds
across both."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from gateway.app import create_app as create_gateway
from gateway.mock_idp import create_app as create_mock_idp
from gateway.ratelimit import SharedWindows
from kit.config import Settings
from kit.db import make_engine
from kit.migrate import upgrade
from tests.harness.gateway_stack import ANNA, Stack, build_stack, serve


@pytest.fixture
def replicas(tmp_path, monkeypatch) -> Iterator[tuple[Stack, str]]:
    """The gateway stack, and a second gateway on the same database and keys."""
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    for stack in build_stack(tmp_path, lambda _url: create_mock_idp(), {}):
        config = replace(stack.app.extensions["gateway_config"], rate_limit_citizen="3/minute")
        stack.app.extensions["gateway_config"] = config
        second = create_gateway(
            upstreams={"applications": stack.applications},
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
