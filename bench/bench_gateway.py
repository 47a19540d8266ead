"""Gateway benchmark: an authenticated read through the gateway, the same read straight to the
service, and a bare gunicorn "hello" as the ceiling.

    python -m bench.bench_gateway [--seconds 10] [--threads 16]

Each server is gunicorn with 1 worker and 8 threads on loopback, as `make run` starts them.
The citizen logs in once at the mock OpenID provider; the gateway read carries the session
cookie (session lookup, rate limit, internal token minted and signed, proxying, audit); the
direct read carries an internal token minted beforehand (signature verified by the service).
The load comes from Python threads with keep-alive sessions on the same 2 cores, so it is a
closed-loop measure: the ratios say more than the absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

from gateway.keys import InternalTokenMinter

REPO = Path(__file__).resolve().parent.parent
ANNA = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0001"
BASE = 19500


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


def gunicorn(bind: str, app: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "1",
        "--threads",
        "8",
        "--bind",
        bind,
        "--log-level",
        "warning",
        app,
    ]


def load(
    url: str, headers: dict[str, str], cookies: dict[str, str], seconds: float, threads: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        session = requests.Session()
        session.headers.update(headers)
        for name, value in cookies.items():
            session.cookies.set(name, value)
        mine = []
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            response = session.get(url, timeout=10)
            mine.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "per_second": len(ordered) / seconds,
        "p50": statistics.median(ordered),
        "p99": ordered[int(0.99 * (len(ordered) - 1))],
        "errors": errors[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="bench-gateway-")
    gateway_url, service_url = f"http://127.0.0.1:{BASE}", f"http://127.0.0.1:{BASE + 101}"
    idp_url, hello_url = f"http://127.0.0.1:{BASE + 90}", f"http://127.0.0.1:{BASE + 1}"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SB_VAR_DIR": var,
        "SB_INTERNAL_ISSUER": gateway_url,
        "SB_IDP_ISSUER": idp_url,
        "SB_IDP_CLIENT_SECRET": "bench",
        "SB_COOKIE_SECURE": "0",
        "SB_UPSTREAM_APPLICATIONS": service_url,
        "LOG_LEVEL": "WARNING",
        "SB_RATE_LIMIT_CITIZEN": "100000000/minute",
    }
    for service in ("applications", "gateway"):
        subprocess.run(
            [sys.executable, "-m", "kit.migrate", service],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
    procs = [
        start(
            "mock-idp",
            [sys.executable, "-m", "gateway.mock_idp", "--port", str(BASE + 90)],
            env,
            idp_url + "/.well-known/openid-configuration",
        ),
        start(
            "applications",
            gunicorn(service_url[7:], "services.applications.app:create_app()"),
            env,
            service_url + "/healthz",
        ),
        start(
            "gateway",
            gunicorn(gateway_url[7:], "gateway.app:create_app()"),
            env,
            gateway_url + "/healthz",
        ),
        start("hello", gunicorn(hello_url[7:], "bench.hello:app"), env, hello_url + "/"),
    ]
    try:
        browser = requests.Session()
        start_login = browser.get(f"{gateway_url}/auth/login", allow_redirects=False)
        authorize = start_login.headers["Location"]
        picked = browser.post(authorize, data={"sub": ANNA}, allow_redirects=False)
        browser.get(urljoin(authorize, picked.headers["Location"]), allow_redirects=False)
        cookie = {"sb_session": browser.cookies["sb_session"]}
        minter = InternalTokenMinter(
            Path(var) / "gateway" / "internal-signing-key.json", gateway_url
        )
        token = minter.mint(
            {
                "sub": ANNA,
                "cpr": "0101801234",
                "loa": "Substantial",
                "channel": "portal",
                "kind": "citizen",
            },
            audience="selvbetjening/applications",
        )
        results = {}
        for name, url, headers, cookies in (
            ("bare gunicorn hello", hello_url + "/", {}, {}),
            (
                "service directly (internal token)",
                service_url + "/api/applications",
                {"Authorization": f"Bearer {token}"},
                {},
            ),
            ("through the gateway (session cookie)", gateway_url + "/api/applications", {}, cookie),
        ):
            load(url, headers, cookies, 2.0, args.threads)  # warm up
            results[name] = load(url, headers, cookies, args.seconds, args.threads)
            print(f"{name:40} {results[name]}", flush=True)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)

    ceiling = results["bare gunicorn hello"]["per_second"]
    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.threads} client threads, {args.seconds:.0f} s\n"
    )
    print("| path | requests/s | p50 ms | p99 ms | share of ceiling | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['per_second']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{r['per_second'] / ceiling:.0%} | {r['errors']} |"
        )


if __name__ == "__main__":
    main()
