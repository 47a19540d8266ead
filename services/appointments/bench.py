"""Booking throughput and latency under contention, through the Flask test client.

    python -m services.appointments.bench [--threads 8] [--requests 200] [--staff 4]

Each run: a fresh database (SQLite file; PostgreSQL when SB_TEST_POSTGRES_URL or
`infra/postgres.sh url` gives a server), one self-bookable service with `--staff` staff
members, and `--threads` citizens' threads that each try `--requests` bookings, all walking
the same slots in the same order, so that most attempts collide (the losers get 409). It
reports successful bookings per second, all requests per second and the p50/p99 latency of a
request. Real signed tokens are verified on every request, as in production.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import create_engine, text

from kit.auth import TokenVerifier
from kit.config import Settings, normalise_database_url
from kit.keys import StaticKeys
from kit.migrate import upgrade
from services.appointments.app import create_app
from services.appointments.domain import LOCAL

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)


def postgres_admin_url() -> str | None:
    url = os.environ.get("SB_TEST_POSTGRES_URL", "")
    if not url:
        try:
            url = subprocess.run(
                ["infra/postgres.sh", "url"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    return normalise_database_url(url) if url else None


class Issuer:
    """Signs internal-token-shaped JWTs with a throwaway key, verified for real by the app."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "bench"}, private=True)

    def verifier(self) -> TokenVerifier:
        keys = StaticKeys(dict(KeySet([self.key]).as_dict(private=False)))
        return TokenVerifier("https://bench.local", "selvbetjening", keys)

    def _token(self, subject: str, **claims: object) -> str:
        now = int(time.time())
        body = {
            "iss": "https://bench.local",
            "aud": "selvbetjening",
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            **claims,
        }
        return jwt.encode({"alg": "RS256", "kid": "bench"}, body, self.key)

    def staff(self, staff_id: str, roles: list[str]) -> str:
        return self._token(staff_id, roles=roles)

    def citizen(self, person_id: str) -> str:
        return self._token(person_id, cpr="0101901234", loa="Substantial")


def run(database_url: str, threads: int, requests: int, staff: int) -> dict[str, float]:
    upgrade("appointments", database_url)
    issuer = Issuer()
    with tempfile.TemporaryDirectory() as bus_dir:
        settings = Settings(
            service="appointments",
            database_url=database_url,
            embedded_bus_path=os.path.join(bus_dir, "bus.db"),
        )
        app = create_app(settings, verifier=issuer.verifier(), clock=lambda: NOW)
        scheduler = {"Authorization": "Bearer " + issuer.staff("bench-scheduler", ["scheduler"])}
        app.test_client().put(
            "/api/appointments/services/bench",
            headers=scheduler,
            json={
                "title": "Benchmark",
                "kind": "office_meeting",
                "duration_minutes": 30,
                "buffer_minutes": 0,
                "horizon_days": 60,
                "citizen_cutoff_hours": 24,
                "staff_ids": [f"staff-{i}" for i in range(staff)],
                "opening_hours": {
                    d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
                },
            },
        )
        slots = _slot_starts(NOW + timedelta(days=2), requests)
        latencies: list[float] = []
        booked = [0]
        lock = threading.Lock()
        barrier = threading.Barrier(threads)

        def citizen() -> None:
            person = str(uuid.uuid4())
            client = app.test_client()
            headers = {"Authorization": "Bearer " + issuer.citizen(person)}
            barrier.wait()
            for start in slots:
                began = time.perf_counter()
                response = client.post(
                    "/api/appointments/appointments",
                    headers=headers,
                    json={"service_id": "bench", "starts_at": start},
                )
                elapsed = time.perf_counter() - began
                assert response.status_code in (201, 409), response.json
                with lock:
                    latencies.append(elapsed)
                    booked[0] += response.status_code == 201

        workers = [threading.Thread(target=citizen) for _ in range(threads)]
        began = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - began
        app.extensions["runtime"].close()
    latencies.sort()
    assert booked[0] == min(len(slots) * staff, threads * len(slots)), booked[0]
    return {
        "bookings": booked[0],
        "requests": len(latencies),
        "seconds": wall,
        "bookings_per_s": booked[0] / wall,
        "requests_per_s": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def _slot_starts(first: datetime, count: int) -> list[str]:
    """`count` slot starts on weekdays from `first` (08:00-16:00 local, every 30 minutes)."""
    starts: list[str] = []
    day = first.astimezone(LOCAL).date()
    while len(starts) < count:
        if day.weekday() < 5:
            for i in range(16):
                local = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL).replace(
                    hour=8 + i // 2, minute=30 * (i % 2)
                )
                starts.append(local.isoformat())
        day += timedelta(days=1)
    return starts[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="booking attempts per thread")
    parser.add_argument("--staff", type=int, default=4)
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {args.threads} threads x {args.requests} "
        f"attempts, {args.staff} staff per slot"
    )
    databases: list[tuple[str, str, str | None]] = []
    tmp = tempfile.TemporaryDirectory()
    databases.append(("sqlite", f"sqlite:///{tmp.name}/bench.db", None))
    admin = postgres_admin_url()
    if admin:
        name = "bench_" + uuid.uuid4().hex[:10]
        with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        databases.append(("postgresql", admin.rpartition("/")[0] + "/" + name, name))
    for label, url, pg_name in databases:
        try:
            result = run(url, args.threads, args.requests, args.staff)
            print(
                f"{label:10} {result['bookings']:5d} booked of {result['requests']:5d} "
                f"requests in {result['seconds']:.1f}s: {result['bookings_per_s']:.0f} "
                f"bookings/s, {result['requests_per_s']:.0f} requests/s, p50 "
                f"{result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms"
            )
        finally:
            if pg_name and admin:
                with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
    tmp.cleanup()


if __name__ == "__main__":
    main()
