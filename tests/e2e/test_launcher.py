"""`make run`'s launcher: every process starts, the gateway reaches the services, a recorded
event leaves through the running relay, and one signal stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from kit.bus import connect_bus
from kit.db import make_engine
from kit.events import decode_event
from kit.outbox import record_event
from tests.builders import make_event, unique
from tests.harness.ports import exclusive_ports
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
PORT_BASE = 18000
GATEWAY = f"http://127.0.0.1:{PORT_BASE}"


@pytest.fixture(autouse=True, scope="module")
def _port_block():
    """Queue behind any other run on this machine that holds the same ports."""
    with exclusive_ports(PORT_BASE):
        yield


@pytest.fixture(
    params=["embedded", pytest.param("real", marks=[pytest.mark.kafka, pytest.mark.postgres])]
)
def platform(request, tmp_path):
    env = {**os.environ, "SB_VAR_DIR": str(tmp_path / "var"), "SB_PORT_BASE": str(PORT_BASE)}
    for name in ("KAFKA_BOOTSTRAP", "DATABASE_URL"):
        env.pop(name, None)
    if request.param == "real":
        from tests.conftest import kafka_bootstrap

        admin_url = request.getfixturevalue("postgres_admin_url")
        env["KAFKA_BOOTSTRAP"] = kafka_bootstrap()
        env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/{service}"
    # A file, not a pipe: nobody reads a pipe until the end, and a launcher whose log passes
    # the pipe's 64 KB (kafka-python warns often on a busy machine) blocks and never stops.
    log = tmp_path / "launcher.log"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        launcher = subprocess.Popen(
            [sys.executable, "-m", "kit.launcher"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield {"env": env, "launcher": launcher, "kind": request.param, "log": log}
    finally:
        if launcher.poll() is None:
            # Politely first: the launcher stops its children (each in its own session).
            launcher.send_signal(signal.SIGTERM)
            try:
                launcher.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait(10)


def ready() -> bool:
    try:
        return requests.get(f"{GATEWAY}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_the_launcher_runs_the_platform_and_stops_it_with_one_signal(platform):
    launcher = platform["launcher"]
    wait_until(
        lambda: ready() or launcher.poll() is not None,
        120,
        message="the gateway to report every service ready",
    )
    assert launcher.poll() is None, platform["log"].read_text(errors="replace")[-3000:]

    portal = requests.get(f"{GATEWAY}/", timeout=5)
    assert "Velkommen til kommunens selvbetjening" in portal.text
    assert portal.headers["X-Frame-Options"] == "DENY"
    # Through the gateway to the applications service itself, which refuses a caller without
    # a token with its own problem+json (the gateway does not log in yet: issue 8).
    routed = requests.get(f"{GATEWAY}/api/applications", timeout=5)
    assert routed.status_code == 401 and routed.json()["code"] == "auth.token_missing"
    assert (
        requests.get(f"{GATEWAY}/api/nowhere/x", timeout=5).json()["code"]
        == "gateway.unknown_service"
    )

    # An event recorded in the applications service's outbox is published by its worker.
    env = platform["env"]
    if platform["kind"] == "real":
        database_url = env["DATABASE_URL"].replace("{service}", "applications")
    else:
        database_url = f"sqlite:///{env['SB_VAR_DIR']}/data/applications.db"
    engine = make_engine(database_url)
    topic, event = unique("applications"), make_event(key="case-e2e")
    with engine.begin() as conn:
        record_event(conn, topic, event)
    engine.dispose()
    bus = connect_bus(env.get("KAFKA_BOOTSTRAP", ""), f"{env['SB_VAR_DIR']}/bus/log.db")
    consumer = bus.consumer([topic], unique("e2e"), session_timeout_s=6.0)
    received = []
    wait_until(
        lambda: received,
        60,
        step=lambda: received.extend(consumer.poll(0.2)),
        message="the running relay to publish the event",
    )
    consumer.close()
    bus.close()
    assert decode_event(received[0].value).id == event.id

    metrics = requests.get(f"http://127.0.0.1:{PORT_BASE + 201}/metrics", timeout=5).text
    assert 'sb_outbox_published_total{service="applications"}' in metrics

    launcher.send_signal(signal.SIGINT)
    assert launcher.wait(30) == 0
    output = platform["log"].read_text(errors="replace")
    assert "all processes stopped" in output
    with pytest.raises(requests.RequestException):
        requests.get(f"{GATEWAY}/healthz", timeout=2)
