"""Process insight on the running platform: the demo year goes through the real APIs, the
exporter's consumer group takes every fact from the bus, and the analyst's report names
candidates with their evidence; the export holds none of the demo citizens' data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from infra import demo
from tests.harness.ports import exclusive_ports
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
PORT_BASE = 18500
GATEWAY, IDP = f"http://127.0.0.1:{PORT_BASE}", f"http://127.0.0.1:{PORT_BASE + 90}"


@pytest.fixture(autouse=True, scope="module")
def _port_block():
    """Queue behind any other run on this machine that holds the same ports."""
    with exclusive_ports(PORT_BASE):
        yield


@pytest.fixture
def platform(tmp_path):
    env = {**os.environ, "SB_VAR_DIR": str(tmp_path / "var"), "SB_PORT_BASE": str(PORT_BASE)}
    for name in ("KAFKA_BOOTSTRAP", "DATABASE_URL", "SB_IDP_ISSUER"):
        env.pop(name, None)
    log = (tmp_path / "platform.log").open("wb")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "kit.launcher"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until(lambda: _ready() or launcher.poll() is not None, 120, message="the platform")
        assert launcher.poll() is None, (tmp_path / "platform.log").read_text()[-3000:]
        yield env
    finally:
        launcher.send_signal(signal.SIGTERM)
        try:
            launcher.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait(10)
        log.close()


def _ready() -> bool:
    try:
        return requests.get(f"{GATEWAY}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_the_demo_year_through_the_real_apis_gives_an_analyst_a_report_with_candidates(
    platform, tmp_path
):
    env = demo.PatientSeedEnv(gateway=GATEWAY, idp=IDP)
    stats, year = demo.run(env, applications=50, citizens=20, seed=11, threads=2)
    assert sum(v for k, v in stats.items() if k.startswith("submitted:")) >= 30, stats
    assert not [k for k in stats if k.startswith("error:")], stats

    analyst = env.session("analytiker-mette")

    def figures() -> dict:
        answer = analyst.get(f"{GATEWAY}/api/insight/figures", timeout=60)
        # On a loaded machine the analyses can outlast the gateway's upstream time-out once (a
        # 502/504 problem); the exporter is what is waited for, so such an answer counts as
        # "not yet", and the last call below must still succeed.
        return answer.json() if answer.status_code == 200 else {}

    # The exporter's consumer catches up with everything the demo caused.
    wait_until(
        lambda: figures().get("applications", 0) >= 50, 180, interval_s=2, message="the exporter"
    )
    found = figures()
    kinds = {c["kind"] for c in found["candidates"]}
    assert {"information_loop", "drop_off"} <= kinds, found["candidates"]
    assert all(c["citizens"] > 0 for c in found["candidates"])
    weeks = [w["week"] for w in found["weekly"]]
    assert len(weeks) > 20  # a year of history, not one afternoon
    page = analyst.get(f"{GATEWAY}/api/insight/report", timeout=60)
    assert page.status_code == 200 and "Kandidater til afbureaukratisering" in page.text
    refused = env.session("6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0001").get(
        f"{GATEWAY}/api/insight/figures", timeout=10
    )
    assert refused.status_code in (403, 404)  # citizens never reach process insight

    out = tmp_path / "export"
    subprocess.run(
        [sys.executable, "-m", "services.insight.cli", "export", str(out)],
        cwd=REPO,
        env=platform,
        check=True,
        capture_output=True,
    )
    assert {"ocel.json", "ocel.sqlite", "manifest.json"} <= {p.name for p in out.iterdir()}
    for path in out.iterdir():
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert not [cpr for cpr in year.cprs if cpr in text], path.name
        assert "Demoborger" not in text and "Demo: " not in text
