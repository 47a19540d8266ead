"""Starts every process of the platform on this machine; one Ctrl-C stops them all.

    python -m kit.launcher            # embedded defaults: SQLite, embedded bus
    KAFKA_BOOTSTRAP=127.0.0.1:19092 DATABASE_URL=postgresql://.../{service} python -m kit.launcher

Each service runs as two processes: its web app (gunicorn) and its worker (outbox relay and
event consumers). Migrations run first. If a process does not come up, the launcher stops the
rest and exits non-zero, so a broken start is never mistaken for a running system. Once
running, a process that dies is started again with backoff and the others keep serving
(kit.supervisor); the launcher's own /healthz, /metrics and /processes are on port base + 99.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kit import adapters
from kit.config import REPO_ROOT, var_dir
from kit.supervisor import Supervisor, pipe_output

SERVICES = (
    "applications",
    "consents",
    "appointments",
    "notifications",
    "overview",
    "insight",
)
# SB_PORT_BASE moves every port at once (e.g. 9000: gateway 9000, services 9101..., workers
# 9201...), so a test run and a `make run` can share a machine.
PORT_BASE = int(os.environ.get("SB_PORT_BASE", "8000"))
GATEWAY_PORT = PORT_BASE
SERVICE_PORTS = {name: PORT_BASE + 101 + i for i, name in enumerate(SERVICES)}
WORKER_PORTS = {name: PORT_BASE + 201 + i for i, name in enumerate(SERVICES)}
IDP_PORT = PORT_BASE + 90
OVERVIEW_STUB_PORT = PORT_BASE + 300
GATEWAY_WORKER_PORT = PORT_BASE + 200
# SB_REPLICAS=2 (tests/faults/test_replicas.py): a second gateway, and a second web process
# and worker per service.
REPLICAS = int(os.environ.get("SB_REPLICAS", "1"))
GATEWAY_REPLICA_PORT = PORT_BASE + 1
GATEWAY_WORKER_REPLICA_PORT = PORT_BASE + 400
REPLICA_WORKER_PORTS = {name: PORT_BASE + 401 + i for i, name in enumerate(SERVICES)}
REPLICA_SERVICE_PORTS = {name: PORT_BASE + 501 + i for i, name in enumerate(SERVICES)}
LAUNCHER_PORT = PORT_BASE + 99  # the launcher's own health, metrics and process table


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    health_url: str


def process_table() -> list[ProcessSpec]:
    python = sys.executable
    gunicorn = [
        python,
        "-m",
        "gunicorn",
        "--workers",
        "1",
        "--threads",
        "8",
        "--graceful-timeout",
        "5",
        "--error-logfile",
        "-",
        # Several gunicorns on one machine: none needs gunicorn's control socket, and they
        # would all claim the same one (~/.gunicorn/gunicorn.ctl).
        "--no-control-socket",
        # Its master stops when the launcher is gone, even after kill -9 (kit.lifeline).
        "--config",
        "python:kit.gunicorn_conf",
    ]
    # No gunicorn access log: it would write query strings unmasked. Each app logs its own
    # requests (path only, CPR-masked) in kit.web.
    specs = []
    for name in SERVICES:
        port = SERVICE_PORTS[name]
        specs.append(
            ProcessSpec(
                f"{name}-web",
                [*gunicorn, "--bind", f"127.0.0.1:{port}", f"services.{name}.app:create_app()"],
                f"http://127.0.0.1:{port}/healthz",
            )
        )
        specs.append(
            ProcessSpec(
                f"{name}-worker",
                [python, "-m", "kit.worker", name, "--port", str(WORKER_PORTS[name])],
                f"http://127.0.0.1:{WORKER_PORTS[name]}/healthz",
            )
        )
    # The gateway's worker: its outbox relay and its retention (audit trail, sessions).
    specs.append(
        ProcessSpec(
            "gateway-worker",
            [python, "-m", "kit.worker", "gateway", "--port", str(GATEWAY_WORKER_PORT)],
            f"http://127.0.0.1:{GATEWAY_WORKER_PORT}/healthz",
        )
    )
    specs.append(
        ProcessSpec(
            "gateway",
            [*gunicorn, "--bind", f"127.0.0.1:{GATEWAY_PORT}", "gateway.app:create_app()"],
            # Ready, not only alive: every service answers and holds the gateway's keys.
            f"http://127.0.0.1:{GATEWAY_PORT}/readyz",
        )
    )
    if REPLICAS >= 2:
        specs.extend(second_replicas(python, gunicorn))
    if not os.environ.get("OVERVIEW_ENDPOINT"):
        # The stand-in for KOMBIT's Sags- og Dokumentindeks, with its "borger.dk" page.
        specs.append(
            ProcessSpec(
                "overview-stub",
                [python, "-m", "infra.overview_stub", "--port", str(OVERVIEW_STUB_PORT)],
                f"http://127.0.0.1:{OVERVIEW_STUB_PORT}/healthz",
            )
        )
    if not os.environ.get("SB_IDP_ISSUER"):
        specs.append(
            ProcessSpec(
                "mock-idp",
                [python, "-m", "gateway.mock_idp", "--port", str(IDP_PORT)],
                f"http://127.0.0.1:{IDP_PORT}/.well-known/openid-configuration",
            )
        )
    return specs


def second_replicas(python: str, gunicorn: list[str]) -> list[ProcessSpec]:
    """SB_REPLICAS=2: a second web process per service (the gateways spread requests over
    both: gateway.replicas), a second worker per service (the same consumer groups: Kafka
    splits the partitions between them, and takes them all to the survivor when one dies; one
    outbox relay publishes at a time: kit.outbox) and a second gateway (sessions, keys and
    rate limits shared through the database and var/)."""
    specs = []
    for name in SERVICES:
        web, worker = REPLICA_SERVICE_PORTS[name], REPLICA_WORKER_PORTS[name]
        specs.append(
            ProcessSpec(
                f"{name}-web-2",
                [*gunicorn, "--bind", f"127.0.0.1:{web}", f"services.{name}.app:create_app()"],
                f"http://127.0.0.1:{web}/healthz",
            )
        )
        specs.append(
            ProcessSpec(
                f"{name}-worker-2",
                [python, "-m", "kit.worker", name, "--port", str(worker)],
                f"http://127.0.0.1:{worker}/healthz",
            )
        )
    specs.append(
        ProcessSpec(
            "gateway-worker-2",
            [python, "-m", "kit.worker", "gateway", "--port", str(GATEWAY_WORKER_REPLICA_PORT)],
            f"http://127.0.0.1:{GATEWAY_WORKER_REPLICA_PORT}/healthz",
        )
    )
    specs.append(
        ProcessSpec(
            "gateway-2",
            [*gunicorn, "--bind", f"127.0.0.1:{GATEWAY_REPLICA_PORT}", "gateway.app:create_app()"],
            f"http://127.0.0.1:{GATEWAY_REPLICA_PORT}/readyz",
        )
    )
    return specs


def identity_env(env: dict[str, str]) -> None:
    """Who issues what: the mock provider (unless an issuer is configured) for logins, the
    gateway for the internal tokens the services verify. With the mock provider the test
    municipality is seeded (SB_SEED=0 turns that off)."""
    if not env.get("SB_IDP_ISSUER"):
        env["SB_IDENTITY_PROVIDER"] = adapters.MOCK
        env.setdefault("SB_SEED", "1")
        env["SB_IDP_ISSUER"] = f"http://127.0.0.1:{IDP_PORT}"
        env.setdefault("SB_IDP_CLIENT_SECRET", "mock-secret")
        # With the mock provider this is a development stack: demo data may name its time
        # (kit.clock); never with a real provider unless set explicitly.
        env.setdefault("SB_DEMO_CLOCK", "1")
    env.setdefault("SB_INTERNAL_ISSUER", f"http://127.0.0.1:{GATEWAY_PORT}")
    # Plain http on loopback: browsers accept Secure cookies on localhost, HTTP clients do
    # not. Anything not on loopback keeps the default (Secure).
    env.setdefault("SB_COOKIE_SECURE", "0")
    # Video visits' join links open the gateway's own call page (docs/video.md).
    env.setdefault("SB_VIDEO_URL_TEMPLATE", f"http://127.0.0.1:{GATEWAY_PORT}/video/j/{{room}}")


def start_seed(env: dict[str, str]) -> subprocess.Popen | None:
    """Seeds the test municipality (infra/seed/) through the running gateway, in the
    background: a failing seed is logged, never fatal."""
    if env.get("SB_SEED", "0") != "1":
        return None
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.seed",
            "--gateway",
            f"http://127.0.0.1:{GATEWAY_PORT}",
            "--idp",
            env["SB_IDP_ISSUER"],
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    threading.Thread(target=pipe_output, args=("seed", proc.stdout), daemon=True).start()
    return proc


def migrate_all(env: dict[str, str]) -> None:
    for name in (*SERVICES, "gateway"):
        subprocess.run(
            [sys.executable, "-m", "kit.migrate", name], cwd=REPO_ROOT, env=env, check=True
        )


def wait_healthy(
    specs: list[ProcessSpec],
    supervisor: Supervisor,
    timeout_s: float = float(os.environ.get("SB_START_TIMEOUT_S", "60")),
) -> bool:
    """Until every process answers its health URL; False if one exits before it ever answered,
    or time runs out (a broken start is never mistaken for a running system). One that had
    answered and then dies is a crash like any later one: the supervisor starts it again."""
    deadline = time.monotonic() + timeout_s
    pending = {spec.name: spec.health_url for spec in specs}
    while pending and time.monotonic() < deadline:
        for name in pending:
            proc = supervisor.processes[name].proc
            if proc is None or proc.poll() is not None:
                return False
        supervisor.check()  # only those no longer pending can have exited here
        for name, url in list(pending.items()):
            try:
                if requests.get(url, timeout=1).ok:
                    del pending[name]
            except requests.RequestException:
                pass
        time.sleep(0.2)
    return not pending


def serve_launcher(supervisor: Supervisor, port: int) -> ThreadingHTTPServer:
    """The launcher's own /healthz, /metrics (restarts, processes up, given up) and
    /processes (each process's state, pid and restarts, as JSON)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the standard library's name
            if self.path == "/metrics":
                body, kind = generate_latest(supervisor.metrics.registry), CONTENT_TYPE_LATEST
            elif self.path == "/processes":
                body, kind = json.dumps(supervisor.status()).encode(), "application/json"
            elif self.path == "/healthz":
                body, kind = b'{"status": "ok"}', "application/json"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    # First of all, so that a signal during the migrations is a clean stop, not a traceback.
    stopping = threading.Event()

    def stop_all(*_args) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    for name, port in SERVICE_PORTS.items():
        urls = [f"http://127.0.0.1:{port}"]
        if REPLICAS >= 2:
            urls.append(f"http://127.0.0.1:{REPLICA_SERVICE_PORTS[name]}")
        env.setdefault(f"SB_UPSTREAM_{name.upper()}", ",".join(urls))
    identity_env(env)
    try:
        adapters.refuse_simulated_in_production(env)
    except adapters.AdapterConfigurationError as refusal:
        print(f"launcher: {refusal}", file=sys.stderr)
        return 2
    env.setdefault("OVERVIEW_ENDPOINT", f"http://127.0.0.1:{OVERVIEW_STUB_PORT}")
    var_dir()
    migrate_all(env)
    if stopping.is_set():
        return 0
    specs = process_table()
    supervisor = Supervisor(str(REPO_ROOT), env)
    for spec in specs:
        supervisor.add(spec.name, spec.argv)
    server = serve_launcher(supervisor, LAUNCHER_PORT)

    exit_code = 0
    seeding = None
    if wait_healthy(specs, supervisor):
        backend = "Kafka" if env.get("KAFKA_BOOTSTRAP") else "indlejret log / embedded log"
        print(
            f"\n  Alt kører / everything is running (bus: {backend}).\n"
            f"  Log ind / log in:                http://127.0.0.1:{GATEWAY_PORT}/auth/login\n"
            f"  Borgerportal / citizen portal:   http://127.0.0.1:{GATEWAY_PORT}/\n"
            f"  Tablet (medarbejder / staff):    http://127.0.0.1:{GATEWAY_PORT}/tablet/\n"
            f"  Mit Overblik (stub):             http://127.0.0.1:{OVERVIEW_STUB_PORT}/\n"
            f"  Processer / processes:           http://127.0.0.1:{LAUNCHER_PORT}/processes\n"
            f"  Stop: Ctrl-C\n",
            flush=True,
        )
        seeding = start_seed(env)
    else:
        print("launcher: not every process became healthy; stopping", file=sys.stderr)
        stopping.set()
        exit_code = 1

    # From here on a process that exits is started again (kit.supervisor); only a signal
    # stops the platform.
    while not stopping.is_set():
        supervisor.check()
        stopping.wait(0.5)

    if seeding is not None and seeding.poll() is None:
        os.killpg(seeding.pid, signal.SIGTERM)
    supervisor.stop_all()
    server.shutdown()
    print("launcher: all processes stopped", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
