"""The signalling WebSocket under gunicorn's threaded worker, started with the launcher's own
command line (kit/launcher.py), as `make run` and production run it: a join link's device
is let in, welcomed, and keeps talking on the same socket. The appointments service is the
only stand-in here (it answers the link lookup); everything in the gateway is real."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from flask import Flask, jsonify
from simple_websocket import Client
from werkzeug.serving import make_server

from kit.launcher import process_table
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
APPOINTMENT = "3b0d5d1e-4c8f-4a43-9d0e-0c2f3e9a0001"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def appointments_stand_in() -> Flask:
    """Answers the gateway's link lookup for one open video visit; records what it is told."""
    app = Flask("appointments-stand-in")
    app.told = []  # type: ignore[attr-defined]

    @app.post("/api/appointments/video-links/lookup")
    def lookup():
        return jsonify(
            appointment_id=APPOINTMENT,
            citizen_id="6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0001",
            status="booked",
            starts_at="2026-11-30T10:00:00+01:00",
            ends_at="2026-11-30T10:30:00+01:00",
            staff_ids=["sagsbehandler-dorte"],
            role="guest",
            citizen_name=None,
            video_calls=[],
        )

    return app


@pytest.fixture
def gateway_under_gunicorn(tmp_path):
    stand_in = make_server("127.0.0.1", 0, appointments_stand_in(), threaded=True)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SB_VAR_DIR": str(tmp_path / "var"),
        "SB_UPSTREAM_APPOINTMENTS": f"http://127.0.0.1:{stand_in.server_port}",
        "SB_IDP_ISSUER": "http://127.0.0.1:9",  # never asked: nobody logs in here
        "SB_INTERNAL_ISSUER": f"http://127.0.0.1:{port}",
        "SB_COOKIE_SECURE": "0",
    }
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP", "GATEWAY_DATABASE_URL"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "kit.migrate", "gateway"], env=env, check=True)
    (spec,) = [s for s in process_table() if s.name == "gateway"]
    argv = list(spec.argv)
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    assert "--threads" in argv  # the threaded worker (gthread), as the launcher runs it
    process = subprocess.Popen(argv, cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            try:
                return requests.get(f"{base}/healthz", timeout=1).ok
            except requests.RequestException:
                return False

        wait_until(healthy, 30, interval_s=0.2, message="gunicorn serves the gateway")
        yield base
    finally:
        process.terminate()
        process.wait(10)
        stand_in.shutdown()


def test_gunicorns_threaded_worker_serves_the_signalling_socket(gateway_under_gunicorn):
    base = gateway_under_gunicorn
    device = requests.Session()
    opened = device.get(f"{base}/video/j/a-join-link-token", allow_redirects=False)
    assert opened.status_code == 303, opened.text
    cookies = "; ".join(f"{c.name}={c.value}" for c in device.cookies)
    url = base.replace("http:", "ws:") + f"/video/{APPOINTMENT}/ws"
    # simple-websocket's client sends Host without the port, so Origin does the same.
    ws = Client.connect(url, headers={"Cookie": cookies, "Origin": "http://127.0.0.1"})
    try:
        welcome = json.loads(ws.receive(timeout=30))
        assert welcome["type"] == "welcome", welcome
        assert welcome["you"]["kind"] == "link"
        for _ in range(3):  # the same socket keeps answering: one thread holds the call
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.receive(timeout=30)) == {"type": "pong"}
        # Meanwhile ordinary requests are served by the worker's other threads.
        assert requests.get(f"{base}/healthz", timeout=5).ok
    finally:
        ws.close()
