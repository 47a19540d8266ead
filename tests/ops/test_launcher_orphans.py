"""A launcher killed outright (kill -9) leaves no process of the platform behind: each child
is told to stop when the launcher dies, so no port stays taken and no worker keeps consuming."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
PORT_BASE = 18800


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _ready() -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{PORT_BASE}/readyz", timeout=2).ok
    except requests.RequestException:
        return False


def test_a_launcher_killed_with_sigkill_takes_every_process_with_it(tmp_path):
    env = {**os.environ, "SB_VAR_DIR": str(tmp_path / "var"), "SB_PORT_BASE": str(PORT_BASE)}
    env["SB_SEED"] = "0"
    for name in ("KAFKA_BOOTSTRAP", "DATABASE_URL", "SB_IDP_ISSUER"):
        env.pop(name, None)
    with (tmp_path / "launcher.log").open("wb") as log:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "kit.launcher"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until(lambda: _ready() or launcher.poll() is not None, 120, message="ready")
            assert launcher.poll() is None, (tmp_path / "launcher.log").read_text()[-2000:]
            ports = [PORT_BASE, PORT_BASE + 101, PORT_BASE + 201, PORT_BASE + 90]
            assert all(_listening(port) for port in ports)
            launcher.send_signal(signal.SIGKILL)
            launcher.wait(10)
            # A worker finishes its current record first (kit.worker): allow for a busy machine.
            wait_until(
                lambda: not any(_listening(port) for port in ports),
                90,
                interval_s=0.5,
                message="every child of the killed launcher to stop",
            )
        finally:
            if launcher.poll() is None:
                launcher.kill()
