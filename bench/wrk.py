"""Load from wrk (C, not Python, so the client does not eat the servers' cores) and the small
process plumbing every benchmark shares: start a server, wait for it, stop it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
REPORT = Path(__file__).resolve().parent / "report.lua"
WORKERS = int(os.environ.get("SB_BENCH_WORKERS", "1"))
THREADS = int(os.environ.get("SB_BENCH_THREADS", "8"))


@dataclass(frozen=True)
class Result:
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int

    def row(self, name: str, ceiling: float | None) -> str:
        share = f"{self.per_second / ceiling:.0%}" if ceiling else "–"
        return (
            f"| {name} | {self.per_second:,.0f} | {self.p50_ms:.1f} | {self.p99_ms:.1f} | "
            f"{share} | {self.errors} |"
        )


def wrk_path() -> str:
    return subprocess.run(
        [str(REPO / "infra" / "wrk.sh")], check=True, capture_output=True, text=True
    ).stdout.strip()


def run_wrk(
    url: str,
    seconds: float,
    *,
    connections: int = 16,
    threads: int = 2,
    method: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    unique_header: str | None = None,
    rate: int | None = None,
) -> Result:
    """Closed loop (wrk) or, with `rate`, an open loop at that many requests/s (wrk2 is not
    packaged in Debian; wrk's own pacing is approximated by limiting connections)."""
    env = dict(os.environ)
    if method:
        env["WRK_METHOD"] = method
    if headers:
        env["WRK_HEADERS"] = "\n".join(f"{k}: {v}" for k, v in headers.items())
    if unique_header:
        env["WRK_UNIQUE_HEADER"] = unique_header
    body_file = None
    if body is not None:
        with tempfile.NamedTemporaryFile(delete=False, suffix=".json") as body_file:
            body_file.write(body)
        env["WRK_BODY_FILE"] = body_file.name
    argv = [
        wrk_path(),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds:.0f}s",
        "--timeout",
        "10s",
        "-s",
        str(REPORT),
        url,
    ]
    try:
        out = subprocess.run(argv, check=True, capture_output=True, text=True, env=env).stdout
    finally:
        if body_file:
            os.unlink(body_file.name)
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    data = json.loads(line[len("WRK_JSON ") :])
    return Result(
        requests=data["requests"],
        per_second=data["requests"] / data["seconds"],
        p50_ms=data["p50_ms"],
        p99_ms=data["p99_ms"],
        errors=data["errors"],
    )


def gunicorn(bind: str, app: str, workers: int = WORKERS, threads: int = THREADS) -> list[str]:
    """The platform's gunicorn settings (kit.launcher), for the ceilings and the figures."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        bind,
        "--log-level",
        "warning",
        app,
    ]


def start(name: str, argv: list[str], env: dict[str, str], health: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(health, timeout=1).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{name} did not start")


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
