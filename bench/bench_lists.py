"""List endpoints at 1,000 and at 1,000,000 rows: the same call, p99 side by side.

    python -m bench.bench_lists [--small 1000] [--large 1000000] [--seconds 10]
                                [--database postgresql|sqlite]

Benchmark data, not a fixture: the rows are generated inside the database by one INSERT ...
SELECT per table (PostgreSQL's generate_series, SQLite's recursive CTE in one transaction
with synchronous=OFF), straight into each service's own tables after its migrations ran and
before its server starts. What is asked about stays the same size in both databases, everyone
else's rows are what grows:

- a citizen's cases: Anna's 20 cases (GET /api/applications, internal token);
- a caseworker's queue: the 500 open cases of the one type her unit handles, first page of 50
  with the counts per state (GET /api/applications/queue); the other three types
  belong to other units;
- a citizen's messages: Anna's 50 letters (GET /api/notifications/me/messages);
- audit search: 1,000 entries in Anna's trail, first page of 100, through the gateway with an
  auditor's session (GET /api/audit?citizen_id=).

Load: wrk, 4 connections (a list is read by people, not by a crowd). PostgreSQL is the one
`infra/postgres.sh` runs (or SB_BENCH_POSTGRES_URL); each run creates its own databases and
drops them afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.bench_gateway import ANNA, Stack
from bench.wrk import REPO, Result, run_wrk
from kit.config import normalise_database_url

AUDITOR = "auditor-frida"
CASEWORKER = "sagsbehandler-dorte"
HER_TYPE = "hjaelpemidler"
MINE = {"cases": 20, "queue": 500, "messages": 50, "audit": 1000}
SERVICES = ("applications", "notifications", "gateway")

CASES = "a citizen's cases (GET /api/applications)"
QUEUE = "a caseworker's queue, first page (GET /api/applications/queue)"
MESSAGES = "a citizen's messages (GET /api/notifications/me/messages)"
AUDIT = "audit search, first page (GET /api/audit?citizen_id=)"

# What differs between the two databases in the generating SQL.
DIALECT = {
    "postgresql": {
        "series": "SELECT n FROM generate_series(0, :total - 1) AS s(n)",
        "at": "(timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second')",
        "number": "lpad(n::text, 7, '0')",
        "json_object": "'{}'::json",
        "json_list": "'[]'::json",
    },
    "sqlite": {
        "series": (
            "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < :total - 1)"
            " SELECT n FROM s"
        ),
        "at": "datetime('2026-01-01', '+' || n || ' seconds')",
        "number": "printf('%07d', n)",
        "json_object": "'{}'",
        "json_list": "'[]'",
    },
}

# Anna's rows sit at every `step`-th n (spread through the table); the caseworker's at every
# `queue_step`-th n + 1 (n odd, so never Anna's).
APPLICATIONS = """
INSERT INTO applications (id, type_id, type_version, title, citizen_id, case_number, state,
    answers, version, created_by, created_by_type, channel, created_at, updated_at,
    submitted_at)
SELECT 'a-' || n,
    CASE WHEN n % :queue_step = 1 THEN 'hjaelpemidler'
         WHEN n % 3 = 0 THEN 'boligindretning' WHEN n % 3 = 1 THEN 'enkeltudgifter'
         ELSE 'merudgifter' END,
    '1', 'Ansøgning',
    CASE WHEN n % :step = 0 THEN :anna ELSE 'c-' || (n / 5) END,
    'ANS-2026-' || {number},
    CASE WHEN n % 3 = 0 THEN 'submitted' WHEN n % 3 = 1 THEN 'under_review'
         ELSE 'awaiting_citizen' END,
    {json_object}, 1, 'bench', 'citizen', 'portal', {at}, {at}, {at}
FROM ({series}) AS series
"""
ORGANISATION = [
    "INSERT INTO units (id, name) VALUES ('bench-unit', 'Bench')",
    "INSERT INTO unit_members (unit_id, staff_id) VALUES ('bench-unit', :caseworker)",
    "INSERT INTO caseloads (id, unit_id, type_id) VALUES (:caseload, 'bench-unit', :her_type)",
]
MESSAGES_SQL = """
INSERT INTO messages (id, trigger_event_id, trigger_type, rule_id, citizen_id, recipient_id,
    recipient_role, channel, fallback_channels, template_id, template_version, language,
    subject, body, status, attempts, provider, created_at, updated_at)
SELECT 'm-' || n, 'e-' || n, 'dk.selvbetjening.application.submitted.v1',
    'application-received',
    CASE WHEN n % :step = 0 THEN :anna ELSE 'c-' || (n / 10) END,
    CASE WHEN n % :step = 0 THEN :anna ELSE 'c-' || (n / 10) END,
    'citizen', 'digital_post', {json_list}, 'application-received', 1, 'da',
    'Vi har modtaget din ansøgning', 'Vi har modtaget din ansøgning om hjælpemidler.',
    'sent', 1, 'simulated', {at}, {at}
FROM ({series}) AS series
"""
AUDIT_SQL = """
INSERT INTO audit_log (at, citizen_id, actor_id, actor_type, channel, action, resource,
    status)
SELECT {at}, CASE WHEN n % :step = 0 THEN :anna ELSE 'c-' || (n / 50) END,
    'sagsbehandler-dorte', 'staff', 'portal', 'read', '/api/applications/a-' || n, 200
FROM ({series}) AS series
"""


def _sql(template: str, dialect: str) -> str:
    return template.format(**DIALECT[dialect])


def fill(urls: dict[str, str], total: int) -> dict[str, float]:
    """Generate the rows in each service's database; seconds taken per table."""
    dialect = "postgresql" if urls["applications"].startswith("postgresql") else "sqlite"
    plan = {
        "applications": [
            (_sql(APPLICATIONS, dialect), {"step": total // MINE["cases"]}),
            *((sql, {}) for sql in ORGANISATION),
        ],
        "notifications": [(_sql(MESSAGES_SQL, dialect), {"step": total // MINE["messages"]})],
        "gateway": [(_sql(AUDIT_SQL, dialect), {"step": total // MINE["audit"]})],
    }
    taken = {}
    for service, statements in plan.items():
        started = time.perf_counter()
        with _loading(urls[service]) as conn:
            for sql, params in statements:
                conn.execute(
                    text(sql),
                    {
                        "total": total,
                        "anna": ANNA,
                        "queue_step": total // MINE["queue"],
                        "caseworker": CASEWORKER,
                        "caseload": str(uuid.UUID(int=18)),
                        "her_type": HER_TYPE,
                        **params,
                    },
                )
        taken[service] = time.perf_counter() - started
    return taken


@contextmanager
def _loading(url: str):
    """One transaction; on SQLite without waiting for the disk (benchmark data only)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        raw = sqlite3.connect(path)
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-262144")
        engine = create_engine("sqlite://", creator=lambda: raw)
    else:
        engine = create_engine(url)
    try:
        with engine.begin() as conn:
            yield conn
        if not url.startswith("sqlite"):
            # PostgreSQL's autovacuum would analyse the new rows soon anyway. SQLite has no
            # statistics unless someone runs ANALYZE, and the services never do: with its
            # per-index averages (1,000,000 cases / 4 types) SQLite took the queue's type
            # lookup for a quarter of the table and scanned it instead (7 s a page).
            with engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
    finally:
        engine.dispose()


def postgres_admin() -> str:
    url = (
        os.environ.get("SB_BENCH_POSTGRES_URL")
        or subprocess.run(
            [str(REPO / "infra" / "postgres.sh"), "url"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    return normalise_database_url(url)


@contextmanager
def databases(database: str):
    """{service: url} and the DATABASE_URL template the stack is started with."""
    if database == "sqlite":
        yield None
        return
    admin_url = postgres_admin()
    tag = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    base = admin_url.rpartition("/")[0]
    try:
        with admin.connect() as conn:
            for service in SERVICES:
                conn.execute(text(f'CREATE DATABASE "{tag}_{service}"'))
        yield f"{base}/{tag}_{{service}}"
    finally:
        if os.environ.get("SB_BENCH_KEEP_DATABASES"):  # to EXPLAIN afterwards; drop by hand
            print(f"kept {tag}_*", flush=True)
        else:
            with admin.connect() as conn:
                for service in SERVICES:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{tag}_{service}" WITH (FORCE)'))
        admin.dispose()


def measure(total: int, seconds: float, database: str = "postgresql") -> dict[str, Result]:
    with databases(database) as template:
        extra = {"DATABASE_URL": template} if template else {}
        loaded: dict[str, float] = {}

        def prepare(var: Path) -> None:
            urls = {
                s: template.replace("{service}", s)
                if template
                else f"sqlite:///{var / 'data' / (s + '.db')}"
                for s in SERVICES
            }
            loaded.update(fill(urls, total))
            print(f"{total:,} rows per table loaded in {loaded} s", flush=True)

        stack = Stack(
            extra_env=extra,
            services=("applications", "notifications"),
            prepare=prepare,
            ceilings=False,
        )
        with stack:
            caseworker = stack.internal_token(
                "applications",
                claims={
                    "sub": CASEWORKER,
                    "kind": "staff",
                    "channel": "portal",
                    "roles": ["caseworker"],
                },
            )
            citizen = {"Authorization": f"Bearer {stack.internal_token('applications')}"}
            calls = {
                CASES: (stack.urls["applications"] + "/api/applications", citizen),
                QUEUE: (
                    stack.urls["applications"] + "/api/applications/queue",
                    {"Authorization": f"Bearer {caseworker}"},
                ),
                MESSAGES: (
                    stack.urls["notifications"] + "/api/notifications/me/messages",
                    {"Authorization": f"Bearer {stack.internal_token('notifications')}"},
                ),
                AUDIT: (
                    f"{stack.gateway}/api/audit?citizen_id={ANNA}&limit=100",
                    {"Cookie": stack.login(AUDITOR)["Cookie"]},
                ),
            }
            results = {}
            for name, (url, headers) in calls.items():
                _check(name, url, headers)
                run_wrk(url, 2, connections=4, headers=headers)  # warm up
                results[name] = run_wrk(url, seconds, connections=4, headers=headers)
                print(total, name, results[name], flush=True)
            return results


def _check(name: str, url: str, headers: dict[str, str]) -> None:
    """The call answers 200 with the rows the data has for it (else the figure is void)."""
    deadline = time.monotonic() + 60
    while True:  # 503 while a service still fetches the gateway's keys
        response = requests.get(url, headers=headers, timeout=60)
        if response.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    response.raise_for_status()
    body = response.json()
    if isinstance(body, dict):
        body = body.get("items", body.get("messages", body.get("entries", body)))
    found = len(body)
    expected = {CASES: MINE["cases"], QUEUE: 50, MESSAGES: MINE["messages"], AUDIT: 100}[name]
    if found != expected:
        raise SystemExit(f"{name}: {found} rows, expected {expected}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    small = measure(args.small, args.seconds, args.database)
    large = measure(args.large, args.seconds, args.database)
    print(json.dumps({k: [small[k].p99_ms, large[k].p99_ms] for k in small}))


if __name__ == "__main__":
    main()
