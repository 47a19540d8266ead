"""Faults on the real stack: the whole platform (kit.launcher, supervised) with two replicas of
the gateway and of every worker, on a Kafka broker and a PostgreSQL server of its own, under a
stream of applications sent through both gateways, while one replica of every worker kind and
of the gateway is killed with kill -9, the broker is stopped for 30 s, PostgreSQL is restarted and a poison
record lands on every topic. At the end, a reconciliation: every application has exactly one
receipt, delivered, and one Mit Overblik record with its latest status.

Private servers (infra/kafka.sh and infra/postgres.sh on ports of their own), so stopping them
never disturbs anything else. The figures go to stdout and docs/RELIABILITY.md.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from infra.seed import SeedEnv
from kit.bus import connect_bus
from kit.dlq import list_dead_letters
from tests.harness.launcher import everything_running
from tests.harness.ports import exclusive_ports
from tests.waiting import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.faults, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
PORT_BASE = 27000
GATEWAY = f"http://127.0.0.1:{PORT_BASE}"
GATEWAY_2 = f"http://127.0.0.1:{PORT_BASE + 1}"  # the second replica (SB_REPLICAS=2)
LAUNCHER = f"http://127.0.0.1:{PORT_BASE + 99}"
STUB = f"http://127.0.0.1:{PORT_BASE + 300}"
KAFKA_ENV = {"KAFKA_PORT": "26092", "KAFKA_CONTROLLER_PORT": "26093"}
PG_ENV = {"PG_PORT": "26432"}
CITIZENS = [f"6f1c2c54-3b1e-4c55-9a51-0d6f4e1a000{n}" for n in (1, 3, 4, 5)]
APPLICATIONS = int(os.environ.get("SB_FAULT_APPLICATIONS", "36"))
WORKERS = ("applications", "consents", "appointments", "notifications", "overview", "insight")
TOPICS = ("applications", "consents", "appointments", "notifications")
GROUPS = (
    "applications.consent-view",
    "appointments.proxy-view",
    "notifications.rules",
    "overview.connector",
    "insight.export",
    "applications.visit-view",
)
CONSENTS_PER_CITIZEN = 3
ANSWERS = {
    "device_name": "Rollator",
    "application_kind": "new",
    "already_bought": False,
    "disability_description": "Jeg har svært ved at gå langt.",
    "condition_permanent": True,
    "purpose": "daily_life",
}


@pytest.fixture(autouse=True, scope="module")
def _port_block():
    """Queue behind any other run on this machine that holds the same ports."""
    with exclusive_ports(PORT_BASE):
        yield


def infra(script: str, command: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(REPO / "infra" / script), command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"{script} {command}: {done.stderr[-2000:]}"
    return done.stdout.strip()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    var = tmp_path_factory.mktemp("faults")
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
        "SB_START_TIMEOUT_S": "240",  # 28 processes on a small machine
        "SB_RESTART_BACKOFF_S": "0.5",
        "SB_NOTIFICATIONS_SETTLE_AFTER_S": "10",
        "SB_NOTIFICATIONS_SETTLE_INTERVAL_S": "3",
        "OVERVIEW_RETRY_MAX_S": "5",
        # The simulated providers answer "temporarily unavailable" while this file exists.
        "SB_SIMULATED_OUTAGE_FILE": str(var / "provider-outage"),
    }
    for name in ("SB_IDP_ISSUER", "OVERVIEW_ENDPOINT"):
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
                (answers(f"{GATEWAY}/readyz") and everything_running(var / "launcher.log"))
                or launcher.poll() is not None
            ),
            180,
            interval_s=1,
            message="the platform on the private Kafka and PostgreSQL",
        )
        assert launcher.poll() is None, (var / "launcher.log").read_text()[-3000:]
        yield {
            "kafka_env": kafka_env,
            "pg_env": pg_env,
            "bootstrap": bootstrap,
            "database": database,
            "log": var / "launcher.log",
            "outage": var / "provider-outage",
        }
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


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=3).status_code == 200
    except requests.RequestException:
        return False


def patiently(call, ok=(200, 201), timeout_s: float = 150.0) -> requests.Response:
    """Like a real client: retry through outages (the calls are idempotent or checked)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            response = call()
            if response.status_code in ok:
                return response
        except requests.RequestException:
            response = None
        if time.monotonic() > deadline:
            detail = response.text[:300] if response is not None else "no answer"
            raise AssertionError(f"gave up after {timeout_s}s: {detail}")
        time.sleep(1)


class Load:
    """Citizens apply; a case system takes each application under review and decides it."""

    def __init__(self, env: SeedEnv) -> None:
        self.env = env
        self.gateways = (GATEWAY, GATEWAY_2)
        self.done: list[str] = []
        self.lock = threading.Lock()
        self.case_system = env.machine(["applications:case", "applications:read"])

    def one(self, n: int) -> None:
        # Every other application through the second gateway, on the same browser session.
        citizen = self.env.session(CITIZENS[n % len(CITIZENS)])
        gateway = self.gateways[n % 2]
        key = f"faults-{uuid.uuid4()}"
        created = patiently(
            lambda: citizen.post(
                f"{gateway}/api/applications",
                json={"type": "hjaelpemidler", "answers": ANSWERS},
                headers={"Idempotency-Key": key},
                timeout=10,
            )
        ).json()
        app = f"{gateway}/api/applications/{created['id']}"
        patiently(
            lambda: citizen.post(
                f"{app}/submit", headers={"Idempotency-Key": key + "-submit"}, timeout=10
            )
        )
        for action, state in (("start_review", "under_review"), ("decide", "decided")):
            body = {"action": action}
            if action == "decide":
                body |= {"outcome": "granted", "letter_title": "Afgørelse om hjælpemiddel"}

            def act(body=body, state=state):
                current = citizen.get(app, timeout=10)
                if current.ok and current.json()["state"] in (state, "decided"):
                    return current  # done already (an answer lost in an outage)
                return self.case_system.post(f"{app}/case-actions", json=body, timeout=10)

            patiently(act)
        with self.lock:
            self.done.append(created["id"])


def consent_changes(env: SeedEnv) -> dict[str, str]:
    """Each citizen gives consents and withdraws every other one, through the outages.
    Returns consent id -> the state every local view must end up with."""
    expected: dict[str, str] = {}
    for citizen_id in CITIZENS:
        citizen = env.session(citizen_id)
        for n in range(CONSENTS_PER_CITIZEN):
            consent_id = str(uuid.uuid4())
            patiently(
                lambda consent_id=consent_id, n=n, citizen=citizen: citizen.post(
                    env.url("/api/consents/consents"),
                    json={
                        "consent_id": consent_id,
                        "purpose": "home_care_assessment",
                        "case_ref": f"FAULTS-{consent_id[:8]}-{n}",
                        "data_categories": ["health"],
                        "sources": ["general_practitioner"],
                        "text_version": "2",
                    },
                    timeout=10,
                )
            )
            expected[consent_id] = "active"
            if n % 2:
                patiently(
                    lambda consent_id=consent_id, citizen=citizen: citizen.post(
                        env.url(f"/api/consents/consents/{consent_id}/withdrawal"), timeout=10
                    ),
                    ok=(200, 409),  # 409: withdrawn already (an answer lost in an outage)
                )
                expected[consent_id] = "withdrawn"
            time.sleep(2)
    return expected


def kill_worker(name: str) -> None:
    process = next(
        p for p in requests.get(f"{LAUNCHER}/processes", timeout=5).json() if p["name"] == name
    )
    if process["pid"]:
        os.kill(process["pid"], signal.SIGKILL)


def poison_every_topic(bootstrap: str) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for topic in TOPICS:
        producer.send(topic, key=b"poison", value=b"\x00 not an event {")
    producer.flush(30)
    producer.close()


def backlog() -> int:
    """Events recorded but not yet published, summed over every worker's /metrics."""
    total = 0
    for i in range(len(WORKERS)):
        try:
            metrics = requests.get(f"http://127.0.0.1:{PORT_BASE + 201 + i}/metrics", timeout=3)
        except requests.RequestException:
            continue
        for line in metrics.text.splitlines():
            if line.startswith("sb_outbox_backlog{"):
                total += int(float(line.rsplit(" ", 1)[1]))
    return total


def test_every_application_gets_one_receipt_and_its_latest_status_through_every_fault(stack):
    env = SeedEnv(gateway=GATEWAY, idp=f"http://127.0.0.1:{PORT_BASE + 90}")
    for citizen in CITIZENS:
        env.session(citizen)
    # A session begun on one gateway is valid on the other (shared store and keys).
    me = env.session(CITIZENS[0]).get(f"{GATEWAY_2}/auth/session", timeout=10).json()
    assert me["subject"] == CITIZENS[0]
    poison_every_topic(stack["bootstrap"])
    load = Load(env)
    figures: dict[str, float] = {"applications": APPLICATIONS}
    started = time.monotonic()
    peak = [0]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            peak[0] = max(peak[0], backlog())
            sampling.wait(1)

    threading.Thread(target=sample, daemon=True).start()
    stack["outage"].touch()  # the providers fail for the first 20 s
    with ThreadPoolExecutor(5) as pool:
        futures = [pool.submit(load.one, n) for n in range(APPLICATIONS)]
        consents = pool.submit(consent_changes, env)
        time.sleep(20)
        stack["outage"].unlink()

        wait_until(lambda: len(load.done) >= APPLICATIONS // 6, 120, interval_s=0.5)
        for name in WORKERS:  # one replica of each: the other takes over its partitions
            kill_worker(f"{name}-worker")
        kill_worker("gateway-2")

        wait_until(lambda: len(load.done) >= APPLICATIONS // 3, 150, interval_s=0.5)
        infra("kafka.sh", "stop", stack["kafka_env"])
        kafka_down = time.monotonic()
        time.sleep(30)
        infra("kafka.sh", "start", stack["kafka_env"])
        figures["kafka_outage_s"] = round(time.monotonic() - kafka_down, 1)

        wait_until(lambda: len(load.done) >= 2 * APPLICATIONS // 3, 180, interval_s=0.5)
        pg_down = time.monotonic()
        infra("postgres.sh", "stop", stack["pg_env"])
        time.sleep(5)
        infra("postgres.sh", "start", stack["pg_env"])
        figures["postgres_outage_s"] = round(time.monotonic() - pg_down, 1)

        for future in futures:
            future.result(timeout=300)
        expected_consents = consents.result(timeout=300)
    load_done = time.monotonic()
    figures["load_s"] = round(load_done - started, 1)

    engines = {
        name: create_engine(
            stack["database"]
            .replace("{service}", name)
            .replace("postgresql://", "postgresql+psycopg://")
        )
        for name in ("notifications", "applications")
    }

    def receipts() -> dict[str, int]:
        with engines["notifications"].connect() as conn:
            rows = conn.execute(
                text(
                    "select status, count(*) from messages where template_id = "
                    "'application_receipt' and recipient_role = 'citizen' and fallback_of is null "
                    "group by status"
                )
            ).all()
        return {status: count for status, count in rows}

    def overview() -> dict[str, str]:
        records = requests.get(f"{STUB}/admin/state", timeout=5).json()["sag"]
        return {r["UUIDIdentifikator"]: r["FremdriftStatusKode"] for r in records.values()}

    def consent_views() -> dict[str, dict[str, str]]:
        ids = list(expected_consents)
        with engines["applications"].connect() as conn:
            applications = dict(
                conn.execute(
                    text("select consent_id, state from consent_view where consent_id = any(:ids)"),
                    {"ids": ids},
                ).all()
            )
        with engines["notifications"].connect() as conn:
            notifications = {
                consent_id: "withdrawn" if ended else "active"
                for consent_id, ended in conn.execute(
                    text("select consent_id, ended from consent_view where consent_id = any(:ids)"),
                    {"ids": ids},
                ).all()
            }
        return {"applications": applications, "notifications": notifications}

    def reconciled() -> bool:
        try:
            seen = overview()
            return (
                receipts() == {"delivered": APPLICATIONS}
                and all(seen.get(a) == "Afgjort" for a in load.done)
                and all(view == expected_consents for view in consent_views().values())
            )
        except Exception:  # a service may still be catching up
            return False

    wait_until(reconciled, 180, interval_s=1, message="receipts and overview records")
    sampling.set()
    figures["recovered_after_load_s"] = round(time.monotonic() - load_done, 1)
    figures["peak_outbox_backlog"] = peak[0]

    assert len(set(load.done)) == APPLICATIONS
    seen = overview()
    assert {a: seen[a] for a in load.done} == {a: "Afgjort" for a in load.done}
    processes = requests.get(f"{LAUNCHER}/processes", timeout=5).json()
    assert all(p["state"] == "running" for p in processes), processes
    restarts = {p["name"]: p["restarts"] for p in processes if p["restarts"]}
    assert {f"{w}-worker" for w in WORKERS} | {"gateway-2"} <= set(restarts)
    figures["restarts"] = sum(restarts.values())
    # Every consumer group put the poison aside (its dead-letter topic) and went on.
    bus = connect_bus(stack["bootstrap"], "")
    try:
        for group in GROUPS:
            poisoned = [r for r in list_dead_letters(bus, group) if r.key == "poison"]
            assert poisoned, f"{group} has no dead letter for the poison record"
    finally:
        bus.close()
    print("FAULT FIGURES " + json.dumps(figures))
    for engine in engines.values():
        engine.dispose()
