"""Seeds a running platform with a realistic test municipality, through its public API.

    python -m infra.seed [--gateway http://127.0.0.1:8000]     # against a running platform

`make run`'s launcher calls `run_all` once every process is ready. Every module in this
package with a `seed(env)` function is run, in the order of its `ORDER` (default 50), then
its name. A seed talks to the platform only as its users do (the gateway, logged-in people
of the mock identity provider, machine clients with client-credentials tokens), so what it
creates is what a person could create, checked by the same rules.

The contract for a seed module:
- idempotent and safe on every start: look before creating, or use an upsert or an
  Idempotency-Key derived from what is seeded (never a random one);
- a failure is logged and the next seed runs: a seed never stops the platform;
- `env.gateway` is the gateway's base URL; `env.session(person_id)` a requests.Session
  logged in through the gateway as a test person of gateway/mock_idp.py with the CSRF header
  set; `env.machine(scopes)` a requests.Session with a bearer token of the seed client
  (`selvbetjening-seed`) holding those scopes; `env.today` today's date in Europe/Copenhagen.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from types import ModuleType
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import requests

log = logging.getLogger("seed")

LOCAL = ZoneInfo("Europe/Copenhagen")
SEED_CLIENT_ID = "selvbetjening-seed"
DEFAULT_ORDER = 50


class SeedError(RuntimeError):
    """The platform refused what a seed asked for."""


def expect(response: requests.Response, *ok: int) -> requests.Response:
    """The response, if its status is one of `ok` (default: any 2xx); else a SeedError with
    the problem's code, so the log says what was refused."""
    if (ok and response.status_code in ok) or (not ok and response.ok):
        return response
    try:
        code = response.json().get("code")
    except ValueError:
        code = None
    raise SeedError(
        f"{response.request.method} {response.url} -> {response.status_code} {code or ''}".strip()
    )


@dataclass
class SeedEnv:
    """What a seed gets: where the platform is and how to act as its users."""

    gateway: str
    idp: str
    seed_client_secret: str = "seed-hemmelig"  # noqa: S105 - the mock provider's dev secret
    today: date = field(default_factory=lambda: datetime.now(LOCAL).date())
    timeout_s: float = 10.0
    # How a new HTTP session is made (infra/demo.py makes ones that wait out rate limits).
    new_session: Callable[[], requests.Session] = requests.Session
    _sessions: dict[tuple[str, str], requests.Session] = field(default_factory=dict)

    def session(self, person_id: str, channel: str = "portal") -> requests.Session:
        """A browser session of a test person, logged in through the gateway (the mock
        provider's page, as a person would), with the CSRF header for changes."""
        key = (person_id, channel)
        if key not in self._sessions:
            browser = self.new_session()
            start = browser.get(
                f"{self.gateway}/auth/login",
                params={"channel": channel},
                allow_redirects=False,
                timeout=self.timeout_s,
            )
            expect(start, 302)
            authorize = start.headers["Location"]
            picked = expect(
                browser.post(
                    authorize,
                    data={"sub": person_id},
                    allow_redirects=False,
                    timeout=self.timeout_s,
                ),
                302,
            )
            callback = urljoin(authorize, picked.headers["Location"])
            expect(browser.get(callback, allow_redirects=False, timeout=self.timeout_s), 302)
            session = expect(browser.get(f"{self.gateway}/auth/session", timeout=self.timeout_s))
            browser.headers["X-CSRF-Token"] = session.json()["csrf_token"]
            self._sessions[key] = browser
        return self._sessions[key]

    def machine(self, scopes: Iterable[str]) -> requests.Session:
        """A session of the seed's machine client, with a client-credentials token."""
        discovery = expect(
            requests.get(f"{self.idp}/.well-known/openid-configuration", timeout=self.timeout_s)
        ).json()
        token = expect(
            requests.post(
                discovery["token_endpoint"],
                data={"grant_type": "client_credentials", "scope": " ".join(scopes)},
                auth=(SEED_CLIENT_ID, self.seed_client_secret),
                timeout=self.timeout_s,
            )
        ).json()["access_token"]
        session = self.new_session()
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def url(self, path: str) -> str:
        return f"{self.gateway}{path}"


def seed_modules() -> list[ModuleType]:
    """Every module of this package that has a seed(env), in the order they run."""
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "seed", None)):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", DEFAULT_ORDER), m.__name__))


@dataclass(frozen=True)
class SeedResult:
    name: str
    ok: bool
    seconds: float
    error: str | None = None


def run_all(env: SeedEnv, modules: list[ModuleType] | None = None) -> list[SeedResult]:
    """Runs every seed; one that fails is logged with its error and the next one runs."""
    results = []
    for module in seed_modules() if modules is None else modules:
        name = module.__name__.rsplit(".", 1)[-1]
        seed: Callable[[SeedEnv], object] = module.seed
        started = time.monotonic()
        try:
            seed(env)
        except Exception as exc:  # a failing seed must not stop the platform
            log.warning(
                "seed %s failed: %s: %s",
                name,
                type(exc).__name__,
                exc,
                extra={"seed": name},
            )
            results.append(
                SeedResult(name, False, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
            )
        else:
            log.info("seed %s done", name, extra={"seed": name})
            results.append(SeedResult(name, True, time.monotonic() - started))
    return results


def wait_ready(gateway: str, timeout_s: float = 90.0) -> bool:
    """Until the gateway reports every service ready (their keys fetched, databases up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{gateway}/readyz", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    base = int(os.environ.get("SB_PORT_BASE", "8000"))
    parser.add_argument("--gateway", default=f"http://127.0.0.1:{base}")
    parser.add_argument(
        "--idp", default=os.environ.get("SB_IDP_ISSUER", f"http://127.0.0.1:{base + 90}")
    )
    args = parser.parse_args()
    from kit.logging import configure_logging

    configure_logging("seed")
    gateway = args.gateway.rstrip("/")
    if not wait_ready(gateway):
        log.warning("seed: the platform did not become ready; nothing seeded")
        return 1
    results = run_all(SeedEnv(gateway=gateway, idp=args.idp.rstrip("/")))
    for result in results:
        print(
            f"{result.name:<16} {'ok' if result.ok else 'FAILED'} {result.seconds:.1f}s {result.error or ''}"
        )
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
