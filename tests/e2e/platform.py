"""The whole platform as `make run` starts it (kit.launcher: every service with its worker, the
gateway, the mock provider), for browser journeys that need events to flow between services;
and a citizen's or a member of staff's API session through the gateway.

    with running_platform(tmp_path, port_base=24600) as site:
        anna = site.session(ANNA)          # requests.Session logged in through the provider
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.harness.gateway_stack import Stack
from tests.harness.ports import exclusive_ports
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Platform:
    gateway: str
    idp: str
    log: Path

    def session(self, sub: str) -> requests.Session:
        """Logged in as `sub` (a test person or staff member of the mock provider)."""
        browser = requests.Session()
        Stack(self.gateway, self.idp, None).login(browser, sub)
        browser.headers["X-CSRF-Token"] = browser.get(f"{self.gateway}/auth/session").json()[
            "csrf_token"
        ]
        return browser

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.gateway}/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False


@contextmanager
def running_platform(
    var_dir: Path, port_base: int, env_changes: dict[str, str] | None = None, seed: bool = True
) -> Iterator[Platform]:
    """The embedded defaults, unless `env_changes` names e.g. KAFKA_BOOTSTRAP, DATABASE_URL;
    seeded with the test municipality unless `seed` is False."""
    env = {**os.environ, "SB_VAR_DIR": str(var_dir), "SB_PORT_BASE": str(port_base)}
    if not seed:
        env["SB_SEED"] = "0"
    for name in ("KAFKA_BOOTSTRAP", "DATABASE_URL"):
        env.pop(name, None)
    env.update(env_changes or {})
    var_dir.mkdir(parents=True, exist_ok=True)
    log = var_dir / "launcher.log"
    with exclusive_ports(port_base), log.open("wb") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "kit.launcher"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        site = Platform(f"http://127.0.0.1:{port_base}", f"http://127.0.0.1:{port_base + 90}", log)
        try:
            wait_until(
                lambda: site.ready() or launcher.poll() is not None,
                180,
                interval_s=0.5,
                message="the platform to report every service ready",
            )
            assert launcher.poll() is None, log.read_text()[-3000:]
            # The launcher seeds the test municipality once ready (infra/seed/): the units
            # whose caseloads give caseworkers their relation to cases (ADR 0016).
            wait_until(
                lambda: not seed or "seed organisation done" in log.read_text(errors="replace"),
                60,
                interval_s=0.5,
                message="the launcher's seed of the municipality's units",
            )
            yield site
        finally:
            if launcher.poll() is None:
                launcher.send_signal(signal.SIGTERM)
                try:
                    launcher.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(launcher.pid, signal.SIGKILL)
                    launcher.wait(10)
