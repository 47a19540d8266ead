"""Gateway benchmark: an authenticated read through the gateway and straight to the service,
side by side with two ceilings in the same run (a bare WSGI hello and a Flask app answering a
small JSON body), every server under the platform's gunicorn settings, the load from wrk.

    python -m bench.bench_gateway [--seconds 10] [--connections 16]

The citizen logs in once at the mock OpenID provider; the gateway read carries the session
cookie (session lookup, rate limit, internal token, proxying, audit); the direct read carries
an internal token minted beforehand (signature verified by the service).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urljoin

import requests

from bench.wrk import REPO, THREADS, WORKERS, Result, gunicorn, run_wrk, start, stop
from gateway.keys import InternalTokenMinter

ANNA = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0001"
BASE = int(os.environ.get("SB_BENCH_PORT_BASE", "27500"))


PORTS = {"applications": 101, "notifications": 104}


class Stack:
    """Mock provider, the services and the gateway on SQLite, plus the two ceiling servers.
    `prepare(var_dir)` runs after the migrations, before the servers start (bulk data)."""

    def __init__(
        self,
        extra_env: dict[str, str] | None = None,
        services: tuple[str, ...] = ("applications",),
        prepare=None,
        ceilings: bool = True,
    ) -> None:
        self.var = tempfile.mkdtemp(prefix="bench-gateway-")
        self.services = services
        self.prepare = prepare
        self.ceilings = ceilings
        self.gateway = f"http://127.0.0.1:{BASE}"
        self.urls = {name: f"http://127.0.0.1:{BASE + PORTS[name]}" for name in services}
        self.service = self.urls.get("applications", "")
        self.idp = f"http://127.0.0.1:{BASE + 90}"
        self.hello = f"http://127.0.0.1:{BASE + 1}"
        self.flask_json = f"http://127.0.0.1:{BASE + 2}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "SB_VAR_DIR": self.var,
            "SB_INTERNAL_ISSUER": self.gateway,
            "SB_IDP_ISSUER": self.idp,
            "SB_IDP_CLIENT_SECRET": "bench",
            "SB_COOKIE_SECURE": "0",
            **{f"SB_UPSTREAM_{name.upper()}": url for name, url in self.urls.items()},
            "LOG_LEVEL": "WARNING",
            "SB_RATE_LIMIT_CITIZEN": "100000000/minute",
            **(extra_env or {}),
        }
        self.procs: list = []

    def __enter__(self) -> Stack:
        import subprocess
        import sys

        for service in (*self.services, "gateway"):
            subprocess.run(
                [sys.executable, "-m", "kit.migrate", service],
                cwd=REPO,
                env=self.env,
                check=True,
                capture_output=True,
            )
        if self.prepare is not None:
            self.prepare(Path(self.var))
        try:
            self.procs.append(
                start(
                    "mock-idp",
                    [sys.executable, "-m", "gateway.mock_idp", "--port", str(BASE + 90)],
                    self.env,
                    self.idp + "/.well-known/openid-configuration",
                )
            )
            servers = [
                (name, url, f"services.{name}.app:create_app()", "/healthz")
                for name, url in self.urls.items()
            ]
            servers.append(("gateway", self.gateway, "gateway.app:create_app()", "/healthz"))
            if self.ceilings:
                servers.append(("hello", self.hello, "bench.ceilings:hello", "/"))
                servers.append(("flask-json", self.flask_json, "bench.ceilings:flask_json", "/"))
            for name, url, app, health in servers:
                self.procs.append(start(name, gunicorn(url[7:], app), self.env, url + health))
            # A service fetches the gateway's keys at its first request; under load that
            # request would wait on a gateway whose threads all wait on the service.
            for name, url in self.urls.items():
                requests.get(
                    f"{url}/api/{name}",
                    headers={"Authorization": f"Bearer {self.internal_token(name)}"},
                    timeout=30,
                )
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        stop(self.procs)
        # A million rows per table are ~900 MB on SQLite: never leave them behind.
        shutil.rmtree(self.var, ignore_errors=True)

    def login(self, subject: str = ANNA) -> dict[str, str]:
        browser = requests.Session()
        start_login = browser.get(f"{self.gateway}/auth/login", allow_redirects=False)
        authorize = start_login.headers["Location"]
        picked = browser.post(authorize, data={"sub": subject}, allow_redirects=False)
        browser.get(urljoin(authorize, picked.headers["Location"]), allow_redirects=False)
        session = browser.get(f"{self.gateway}/auth/session").json()
        return {
            "Cookie": f"sb_session={browser.cookies['sb_session']}",
            "X-CSRF-Token": session.get("csrf_token", ""),
        }

    def internal_token(
        self, service: str = "applications", subject: str = ANNA, claims: dict | None = None
    ) -> str:
        """An internal token as the gateway mints it: a citizen's by default, or `claims`."""
        minter = InternalTokenMinter(
            Path(self.var) / "gateway" / "internal-signing-key.json", self.gateway
        )
        return minter.mint(
            claims
            or {
                "sub": subject,
                "cpr": "0101801234",
                "loa": "Substantial",
                "channel": "portal",
                "kind": "citizen",
            },
            audience=f"selvbetjening/{service}",
        )


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} vCPU {cpu}, Python {platform.python_version()}, load average "
        f"{load[0]:.1f} at the start (shared machine); gunicorn {WORKERS} worker(s) x "
        f"{THREADS} threads per server"
    )


def measure(seconds: float, connections: int) -> dict[str, Result]:
    with Stack() as stack:
        cookie = stack.login()
        token = stack.internal_token()
        targets = {
            "bare WSGI hello (ceiling)": (stack.hello + "/", {}),
            "Flask small JSON (ceiling)": (stack.flask_json + "/", {}),
            "GET /api/applications straight to the service (internal token)": (
                stack.service + "/api/applications",
                {"Authorization": f"Bearer {token}"},
            ),
            "GET /api/applications through the gateway (session cookie)": (
                stack.gateway + "/api/applications",
                {"Cookie": cookie["Cookie"]},
            ),
        }
        results = {}
        for name, (url, headers) in targets.items():
            run_wrk(url, 2, connections=connections, headers=headers)  # warm up
            results[name] = run_wrk(url, seconds, connections=connections, headers=headers)
            print(name, results[name], flush=True)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    results = measure(args.seconds, args.connections)
    ceiling = results["Flask small JSON (ceiling)"].per_second
    print(f"\n{machine()}; wrk 2 threads, {args.connections} connections, {args.seconds:.0f} s\n")
    print("| path | requests/s | p50 ms | p99 ms | share of Flask JSON | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(r.row(name, ceiling))


if __name__ == "__main__":
    main()
