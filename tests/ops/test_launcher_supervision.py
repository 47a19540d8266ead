"""`make run` like production: kill -9 of a worker or a web process and it comes back by
itself while the gateway keeps answering; the launcher counts it in its /metrics; the test
municipality was seeded on the way up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from infra.seed import SeedEnv
from infra.seed.bookable import SERVICES
from tests.harness.launcher import everything_running
from tests.harness.ports import exclusive_ports
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
PORT_BASE = 26500
GATEWAY = f"http://127.0.0.1:{PORT_BASE}"
LAUNCHER = f"http://127.0.0.1:{PORT_BASE + 99}"


@pytest.fixture(autouse=True, scope="module")
def _port_block():
    """Queue behind any other run on this machine that holds the same ports."""
    with exclusive_ports(PORT_BASE):
        yield


@pytest.fixture
def launcher(tmp_path):
    env = {
        **os.environ,
        "SB_VAR_DIR": str(tmp_path / "var"),
        "SB_PORT_BASE": str(PORT_BASE),
        "SB_RESTART_BACKOFF_S": "0.5",
    }
    for name in ("KAFKA_BOOTSTRAP", "DATABASE_URL", "SB_IDP_ISSUER", "SB_SEED"):
        env.pop(name, None)
    log = (tmp_path / "launcher.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kit.launcher"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proc.log_path = tmp_path / "launcher.log"  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def processes() -> dict[str, dict]:
    return {p["name"]: p for p in requests.get(f"{LAUNCHER}/processes", timeout=2).json()}


class Watch(threading.Thread):
    """Asks the gateway every 100 ms, counting the answers that were not 200."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.asked = self.failed = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.asked += 1
            if not answers(f"{GATEWAY}/healthz"):
                self.failed += 1
            time.sleep(0.1)


def kill_and_wait_back(name: str, health_url: str, log_path: Path) -> None:
    before = processes()[name]
    os.kill(before["pid"], signal.SIGKILL)

    def back() -> bool:
        try:
            now = processes()[name]
        except requests.RequestException:
            # A poll that fails counts as 'not back yet'; on a timeout the message below
            # says what the launcher last said and how its log ends.
            return False
        return (
            now["pid"] not in (None, before["pid"])
            and now["state"] == "running"
            and answers(health_url)
        )

    try:
        wait_until(back, 60, interval_s=0.2, message=f"{name} to come back")
    except AssertionError as late:
        try:
            seen = processes().get(name)
        except requests.RequestException as error:
            seen = repr(error)
        log = "\n".join(log_path.read_text(errors="replace").splitlines()[-60:])
        raise AssertionError(f"{late}; the launcher says {seen}; its log ends:\n{log}") from None


def test_a_killed_worker_and_web_process_come_back_while_the_gateway_keeps_serving(launcher):
    wait_until(
        lambda: everything_running(launcher.log_path) or launcher.poll() is not None,
        150,
        interval_s=0.5,
        message="the platform to be ready",
    )
    assert launcher.poll() is None, launcher.log_path.read_text()[-3000:]

    watch = Watch()
    watch.start()
    kill_and_wait_back(
        "applications-worker", f"http://127.0.0.1:{PORT_BASE + 201}/healthz", launcher.log_path
    )
    kill_and_wait_back(
        "applications-web", f"http://127.0.0.1:{PORT_BASE + 101}/healthz", launcher.log_path
    )
    watch.done.set()
    watch.join(5)
    assert watch.asked > 10 and watch.failed == 0

    # The service behind the gateway answers again (its own problem+json, not a 502).
    routed = requests.get(f"{GATEWAY}/api/applications", timeout=5)
    assert routed.status_code == 401 and routed.json()["code"] == "auth.token_missing"
    metrics = requests.get(f"{LAUNCHER}/metrics", timeout=2).text
    assert 'sb_process_restarts_total{process="applications-worker"} 1.0' in metrics
    assert 'sb_process_restarts_total{process="applications-web"} 1.0' in metrics
    assert 'sb_process_up{process="gateway"} 1.0' in metrics
    log = launcher.log_path.read_text()
    assert "applications-worker exited with -9; starting it again" in log

    # The seed ran once the platform was ready: the bookable services exist.
    env = SeedEnv(gateway=GATEWAY, idp=f"http://127.0.0.1:{PORT_BASE + 90}")
    wait_until(lambda: "seed bookable done" in launcher.log_path.read_text(), 60)
    listed = env.session("planlaegger-karen").get(env.url("/api/appointments/services"))
    assert set(SERVICES) <= {s["service_id"] for s in listed.json()["services"]}

    launcher.send_signal(signal.SIGTERM)
    assert launcher.wait(30) == 0
    assert "all processes stopped" in launcher.log_path.read_text()
