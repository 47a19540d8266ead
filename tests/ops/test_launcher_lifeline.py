"""A launcher killed outright (kill -9) leaves nothing running: its gunicorn, its workers and its
plain servers each notice that their parent is gone and stop (kit.lifeline), so no port stays
taken and no worker keeps consuming for a consumer group."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]

# The launcher's supervision loop, without the platform around it.
LAUNCHER = """
import json, sys, time
from kit.supervisor import Supervisor
supervisor = Supervisor(sys.argv[1], dict(__import__("os").environ))
for name, argv in json.loads(sys.argv[2]).items():
    supervisor.add(name, argv)
print(json.dumps({n: p.proc.pid for n, p in supervisor.processes.items()}), flush=True)
while True:
    supervisor.check()
    time.sleep(0.2)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_every_child_stops_when_the_launcher_is_killed_with_sigkill(tmp_path):
    env = {**os.environ, "SB_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(REPO)}
    for name in ("KAFKA_BOOTSTRAP", "DATABASE_URL", "SB_IDP_ISSUER", "SB_LAUNCHER_PID"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "kit.migrate", "gateway"], cwd=REPO, env=env, check=True)
    ports = {"web": free_port(), "worker": free_port(), "server": free_port()}
    python = sys.executable
    children = {
        # gunicorn as the launcher runs it (kit.launcher), on the smallest app there is.
        "web": [
            *(python, "-m", "gunicorn", "--workers", "2", "--no-control-socket"),
            *("--config", "python:kit.gunicorn_conf", "--bind", f"127.0.0.1:{ports['web']}"),
            "gateway.mock_idp:create_app()",
        ],
        "worker": [python, "-m", "kit.worker", "gateway", "--port", str(ports["worker"])],
        "server": [python, "-m", "infra.overview_stub", "--port", str(ports["server"])],
    }
    with (tmp_path / "launcher.log").open("w+") as log:
        launcher = subprocess.Popen(
            [python, "-c", LAUNCHER, str(REPO), json.dumps(children)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,
        )
        assert launcher.stdout is not None
        pids = json.loads(launcher.stdout.readline())
        try:
            wait_until(lambda: all(map(listening, ports.values())), 90, interval_s=0.3)
            gunicorn_workers = [
                int(pid)
                for pid in Path(f"/proc/{pids['web']}/task/{pids['web']}/children")
                .read_text()
                .split()
            ]
            assert len(gunicorn_workers) == 2
            launcher.send_signal(signal.SIGKILL)
            launcher.wait(10)
            everyone = [*pids.values(), *gunicorn_workers]
            wait_until(
                lambda: not any(map(alive, everyone)) and not any(map(listening, ports.values())),
                60,
                interval_s=0.3,
                message="every child of the killed launcher to stop",
            )
        finally:
            for pid in pids.values():  # if the test fails, leave nothing behind either
                if alive(pid):
                    os.killpg(pid, signal.SIGKILL)
            if launcher.poll() is None:
                launcher.kill()
