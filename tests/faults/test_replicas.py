"""Two replicas of every part side by side: the whole platform (kit.launcher, SB_REPLICAS=2: two
gateways, two gateway workers, and per service two web processes and two workers) on a Kafka
broker and a PostgreSQL server of its own. Under a stream of applications sent through both
gateways, one replica of every kind is killed with kill -9 and kept down for a while (the
supervisor brings it back after SB_RESTART_BACKOFF_S). Every request is answered (by the
other replica), and at the end every application has exactly one receipt and one Mit Overblik
record with its latest status; the killed processes are running again.

The client does what a load balancer in front of the gateways does: a gateway that refuses the
connection is passed over; a request lost mid-way is sent again only if it is safe (a read, or
a POST with an Idempotency-Key), else the client looks at the application before acting again.
The figures (throughput with two replicas and with one, the longest wait for an answer, the
time to reconcile) go to stdout as REPLICA FIGURES and to docs/RELIABILITY.md.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from infra.seed import SeedEnv
from tests.faults.test_real_stack_faults import ANSWERS, CITIZENS, answers, infra
from tests.harness.launcher import everything_running
from tests.harness.ports import exclusive_ports
from tests.waiting import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.faults, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
PORT_BASE = 20000
GATEWAYS = (f"http://127.0.0.1:{PORT_BASE}", f"http://127.0.0.1:{PORT_BASE + 1}")
LAUNCHER = f"http://127.0.0.1:{PORT_BASE + 99}"
STUB = f"http://127.0.0.1:{PORT_BASE + 300}"
KAFKA_ENV = {"KAFKA_PORT": "20092", "KAFKA_CONTROLLER_PORT": "20093"}
PG_ENV = {"PG_PORT": "20432"}
APPLICATIONS = int(os.environ.get("SB_REPLICA_APPLICATIONS", "30"))
SERVICES = ("applications", "consents", "appointments", "notifications", "overview", "insight")
# One replica of every kind; each stays down this long before the supervisor restarts it.
KILLED = (
    "gateway",
    "gateway-worker",
    *(f"{s}-{kind}" for s in SERVICES for kind in ("web", "worker")),
)
DOWN_S = 25


@pytest.fixture(autouse=True, scope="module")
def _port_block():
    with exclusive_ports(PORT_BASE):
        yield


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    var = tmp_path_factory.mktemp("replicas")
    kafka_env = {**KAFKA_ENV, "SB_VAR_DIR": str(var / "kafka")}
    pg_env = {**PG_ENV, "SB_VAR_DIR": str(var / "pg")}
    bootstrap = infra("kafka.sh", "start", kafka_env).splitlines()[-1]
    infra("postgres.sh", "start", pg_env)
    database = infra("postgres.sh", "url", pg_env).rsplit("/", 1)[0] + "/{service}"
    env = {
        **os.environ,
        "SB_VAR_DIR": str(var / "platform"),
        "SB_PORT_BASE": str(PORT_BASE),
        "KAFKA_BOOTSTRAP": bootstrap,
        "DATABASE_URL": database,
        "SB_SEED": "0",
        "SB_REPLICAS": "2",
        "SB_RESTART_BACKOFF_S": str(DOWN_S),
        "SB_START_TIMEOUT_S": "240",  # 28 processes on a small machine
    }
    for name in ("SB_IDP_ISSUER", "OVERVIEW_ENDPOINT", "SB_LAUNCHER_PID"):
        env.pop(name, None)
    log = (var / "launcher.log").open("wb")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "kit.launcher"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until(
            lambda: (
                (
                    all(answers(f"{g}/readyz") for g in GATEWAYS)
                    and everything_running(var / "launcher.log")
                )
                or launcher.poll() is not None
            ),
            300,
            interval_s=1,
            message="both gateways ready on the private Kafka and PostgreSQL",
        )
        assert launcher.poll() is None, (var / "launcher.log").read_text()[-3000:]
        yield {"database": database, "log": var / "launcher.log"}
    finally:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGTERM)
            try:
                launcher.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
        log.close()
        subprocess.run([str(REPO / "infra/kafka.sh"), "stop"], env={**os.environ, **kafka_env})
        subprocess.run([str(REPO / "infra/postgres.sh"), "reset"], env={**os.environ, **pg_env})


class Balancer:
    """Sends each request to the gateways in turn, like a load balancer, and counts what
    happened: answers, 5xx answers, passed-over gateways, requests lost mid-way."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.failures: list[str] = []  # each 5xx: what was asked, what came back
        self.slowest_s = 0.0
        self._turn = 0
        self._lock = threading.Lock()

    def send(self, session: requests.Session, method: str, path: str, **kwargs):
        """The answer, or None when a request that is not safe to repeat was lost mid-way."""
        safe = method == "GET" or "Idempotency-Key" in kwargs.get("headers", {})
        with self._lock:
            self._turn += 1
            order = GATEWAYS[self._turn % 2 :] + GATEWAYS[: self._turn % 2]
        started = time.monotonic()
        for _round in range(30):
            for gateway in order:
                try:
                    answer = session.request(method, gateway + path, timeout=30, **kwargs)
                except requests.ConnectionError as exc:
                    if "refused" in str(exc).lower():
                        self._count("gateway_passed_over")
                        continue
                    self._count("lost_mid_way")
                    if not safe:
                        return None
                    continue
                self._count("answered")
                if answer.status_code >= 500:
                    self._count(f"5xx_{'safe' if safe else 'unsafe'}")
                    self._count(f"status_{answer.status_code}")
                    with self._lock:
                        self.failures.append(f"{method} {path} {answer.text[:300]}")
                    if safe:
                        continue
                with self._lock:
                    self.slowest_s = max(self.slowest_s, time.monotonic() - started)
                return answer
            time.sleep(0.5)
        raise AssertionError(f"{method} {path}: no gateway answered")

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1


class Load:
    """Citizens apply (keyed create and submit); a case system reviews and decides."""

    def __init__(self, env: SeedEnv, balancer: Balancer) -> None:
        self.env, self.balancer = env, balancer
        self.done: list[str] = []
        self.lock = threading.Lock()
        self.case_system = env.machine(["applications:case", "applications:read"])

    def one(self, n: int) -> None:
        citizen = self.env.session(CITIZENS[n % len(CITIZENS)])
        send = self.balancer.send
        key = f"replicas-{uuid.uuid4()}"
        created = send(
            citizen,
            "POST",
            "/api/applications",
            json={"type": "hjaelpemidler", "answers": ANSWERS},
            headers={"Idempotency-Key": key},
        )
        assert created.status_code == 201, created.text
        path = f"/api/applications/{created.json()['id']}"
        submitted = send(citizen, "POST", f"{path}/submit", headers={"Idempotency-Key": key + "s"})
        assert submitted.status_code == 200, submitted.text
        for action, state in (("start_review", "under_review"), ("decide", "decided")):
            body = {"action": action}
            if action == "decide":
                body |= {"outcome": "granted", "letter_title": "Afgørelse om hjælpemiddel"}
            while True:  # a case action has no key: if lost mid-way, look before acting again
                now = send(self.case_system, "GET", path).json()["state"]
                if now in (state, "decided"):
                    break
                acted = send(self.case_system, "POST", f"{path}/case-actions", json=body)
                if acted is not None and acted.status_code < 500:
                    assert acted.status_code == 200, acted.text
                    break
        with self.lock:
            self.done.append(created.json()["id"])


def processes() -> dict[str, dict]:
    return {p["name"]: p for p in requests.get(f"{LAUNCHER}/processes", timeout=5).json()}


def test_two_replicas_of_every_part_serve_side_by_side_and_one_of_each_may_die(stack):
    env = SeedEnv(gateway=GATEWAYS[0], idp=f"http://127.0.0.1:{PORT_BASE + 90}")
    for citizen in CITIZENS:
        env.session(citizen)
    running = processes()
    assert {f"{name}-2" for name in KILLED} <= set(running), sorted(running)
    balancer = Balancer()
    load = Load(env, balancer)
    figures: dict[str, object] = {"applications": APPLICATIONS}

    third = APPLICATIONS // 3
    with ThreadPoolExecutor(4) as pool:
        started = time.monotonic()
        futures = [pool.submit(load.one, n) for n in range(APPLICATIONS)]
        wait_until(lambda: len(load.done) >= third, 300, interval_s=0.2)
        both = time.monotonic() - started
        figures["per_minute_two_replicas"] = round(60 * len(load.done) / both, 1)

        before = processes()
        killed_at = time.monotonic()
        for name in KILLED:
            os.kill(before[name]["pid"], signal.SIGKILL)
        done_at_kill = len(load.done)
        # While they are down (DOWN_S), the other replica of each kind does all the work.
        wait_until(
            lambda: (
                len(load.done) >= done_at_kill + third // 2
                or time.monotonic() - killed_at > DOWN_S - 2
            ),
            DOWN_S,
            interval_s=0.2,
        )
        alone = time.monotonic() - killed_at
        figures["per_minute_one_replica"] = round(60 * (len(load.done) - done_at_kill) / alone, 1)
        assert len(load.done) > done_at_kill, "nothing was finished while one of each was down"
        assert all(processes()[f"{name}-2"]["state"] == "running" for name in KILLED)
        for future in futures:
            future.result(timeout=600)
    load_done = time.monotonic()
    figures["load_s"] = round(load_done - started, 1)

    engine = create_engine(
        stack["database"]
        .replace("{service}", "notifications")
        .replace("postgresql://", "postgresql+psycopg://")
    )

    def receipts() -> Counter[str]:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "select status from messages where template_id = 'application_receipt' "
                    "and recipient_role = 'citizen' and fallback_of is null"
                )
            ).scalars()
            return Counter(rows)

    def overview() -> dict[str, str]:
        records = requests.get(f"{STUB}/admin/state", timeout=5).json()["sag"]
        return {r["UUIDIdentifikator"]: r["FremdriftStatusKode"] for r in records.values()}

    def reconciled() -> bool:
        try:
            seen = overview()
            return receipts() == {"delivered": APPLICATIONS} and all(
                seen.get(a) == "Afgjort" for a in load.done
            )
        except Exception:  # a service may still be catching up
            return False

    wait_until(reconciled, 240, interval_s=1, message="one receipt and one record each")
    figures["reconciled_after_load_s"] = round(time.monotonic() - load_done, 1)
    assert len(set(load.done)) == APPLICATIONS
    assert len(overview()) == APPLICATIONS  # one record per application, no stray one

    # Every request was answered; no safe request ever saw a 5xx.
    counts = balancer.counts
    figures["requests"] = dict(counts)
    figures["slowest_answer_s"] = round(balancer.slowest_s, 1)
    assert counts["5xx_safe"] == 0, (counts, balancer.failures)

    # A killed process comes back by itself: every one runs again, restarted once.
    wait_until(
        lambda: all(p["state"] == "running" for p in processes().values()),
        120,
        interval_s=1,
        message="the killed replicas to be back",
    )
    after = processes()
    assert all(after[name]["restarts"] >= 1 for name in KILLED), after
    print("REPLICA FIGURES " + json.dumps(figures))
    engine.dispose()
