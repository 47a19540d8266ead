"""Starts every process of the platform on this machine; one Ctrl-C stops them all.

    python -m kit.launcher            # embedded defaults: SQLite, embedded bus
    KAFKA_BOOTSTRAP=127.0.0.1:19092 DATABASE_URL=postgresql://.../{service} python -m kit.launcher

Each service runs as two processes: its web app (gunicorn) and its worker (outbox relay and
event consumers). Migrations run first. If any process dies, the launcher stops the rest
and exits non-zero, so a broken start is never mistaken for a running system.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import requests

from kit.config import REPO_ROOT, var_dir

SERVICES = ("applications", "consents", "appointments", "notifications", "overview")
# SB_PORT_BASE moves every port at once (e.g. 9000: gateway 9000, services 9101..., workers
# 9201...), so a test run and a `make run` can share a machine.
PORT_BASE = int(os.environ.get("SB_PORT_BASE", "8000"))
GATEWAY_PORT = PORT_BASE
SERVICE_PORTS = {name: PORT_BASE + 101 + i for i, name in enumerate(SERVICES)}
WORKER_PORTS = {name: PORT_BASE + 201 + i for i, name in enumerate(SERVICES)}
IDP_PORT = PORT_BASE + 90
OVERVIEW_STUB_PORT = PORT_BASE + 300


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
    specs.append(
        ProcessSpec(
            "gateway",
            [*gunicorn, "--bind", f"127.0.0.1:{GATEWAY_PORT}", "gateway.app:create_app()"],
            # Ready, not only alive: every service answers and holds the gateway's keys.
            f"http://127.0.0.1:{GATEWAY_PORT}/readyz",
        )
    )
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


def identity_env(env: dict[str, str]) -> None:
    """Who issues what: the mock provider (unless an issuer is configured) for logins, the
    gateway for the internal tokens the services verify. With the mock provider the test
    municipality is seeded (SB_SEED=0 turns that off)."""
    if not env.get("SB_IDP_ISSUER"):
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


def _pipe_output(name: str, stream) -> None:
    width = 22
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:<{width}}| {line.decode(errors='replace')}")
        sys.stdout.flush()


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
    threading.Thread(target=_pipe_output, args=("seed", proc.stdout), daemon=True).start()
    return proc


def migrate_all(env: dict[str, str]) -> None:
    for name in (*SERVICES, "gateway"):
        subprocess.run(
            [sys.executable, "-m", "kit.migrate", name], cwd=REPO_ROOT, env=env, check=True
        )


def wait_healthy(
    specs: list[ProcessSpec], procs: dict[str, subprocess.Popen], timeout_s: float = 60.0
) -> bool:
    deadline = time.monotonic() + timeout_s
    pending = {spec.name: spec.health_url for spec in specs}
    while pending and time.monotonic() < deadline:
        for name, url in list(pending.items()):
            if procs[name].poll() is not None:
                return False
            try:
                if requests.get(url, timeout=1).ok:
                    del pending[name]
            except requests.RequestException:
                pass
        time.sleep(0.2)
    return not pending


def main() -> int:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    for name, port in SERVICE_PORTS.items():
        env.setdefault(f"SB_UPSTREAM_{name.upper()}", f"http://127.0.0.1:{port}")
    identity_env(env)
    env.setdefault("OVERVIEW_ENDPOINT", f"http://127.0.0.1:{OVERVIEW_STUB_PORT}")
    var_dir()
    migrate_all(env)
    specs = process_table()
    procs: dict[str, subprocess.Popen] = {}
    stopping = threading.Event()

    def stop_all(*_args) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    for spec in specs:
        proc = subprocess.Popen(
            spec.argv,
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs[spec.name] = proc
        threading.Thread(target=_pipe_output, args=(spec.name, proc.stdout), daemon=True).start()

    exit_code = 0
    seeding = None
    if wait_healthy(specs, procs):
        backend = "Kafka" if env.get("KAFKA_BOOTSTRAP") else "indlejret log / embedded log"
        print(
            f"\n  Alt kører / everything is running (bus: {backend}).\n"
            f"  Log ind / log in:                http://127.0.0.1:{GATEWAY_PORT}/auth/login\n"
            f"  Borgerportal / citizen portal:   http://127.0.0.1:{GATEWAY_PORT}/\n"
            f"  Tablet (medarbejder / staff):    http://127.0.0.1:{GATEWAY_PORT}/tablet/\n"
            f"  Mit Overblik (stub):             http://127.0.0.1:{OVERVIEW_STUB_PORT}/\n"
            f"  Stop: Ctrl-C\n",
            flush=True,
        )
        seeding = start_seed(env)
    else:
        print("launcher: not every process became healthy; stopping", file=sys.stderr)
        stopping.set()
        exit_code = 1

    while not stopping.is_set():
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(
                    f"launcher: {name} exited with {proc.returncode}; stopping all", file=sys.stderr
                )
                exit_code = 1
                stopping.set()
                break
        stopping.wait(0.5)

    if seeding is not None and seeding.poll() is None:
        os.killpg(seeding.pid, signal.SIGTERM)
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print("launcher: all processes stopped", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
