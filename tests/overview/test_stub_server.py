"""The stub as `make run` starts it (`python -m infra.overview_stub`, gunicorn): one worker, so
whatever arrives on any connection is on the borger.dk page and in its state."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.overview.test_stub import valid_case
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _up(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def test_records_sent_on_many_connections_all_land_in_the_one_index():
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.overview_stub", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _up(url), 30, interval_s=0.1, message="the stub to start")
        bodies = [{**valid_case(), "UUIDIdentifikator": str(uuid.uuid4())} for _ in range(24)]
        keep_alive = requests.Session()

        def put(i: int) -> int:
            body = bodies[i]
            client = keep_alive if i % 2 else requests  # one kept connection, and new ones
            path = f"{url}/sagsindeks/sager/{body['UUIDIdentifikator']}"
            return client.put(path, json=body, timeout=5).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(put, range(len(bodies)))) == {200}
        state = requests.get(url + "/admin/state", timeout=5).json()
        assert set(state["sag"]) == {b["UUIDIdentifikator"] for b in bodies}
        assert bodies[0]["Titel"] in requests.get(url + "/", timeout=5).text
    finally:
        proc.terminate()
        proc.wait(15)
