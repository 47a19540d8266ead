"""List endpoints at 1,000 and at 1,000,000 rows: the same call, p99 side by side.

    python -m bench.bench_lists [--small 1000] [--large 1000000] [--seconds 10]

The rows are bulk-inserted into each service's SQLite database before its server starts (not
through the API). The person asked about has the same number of rows in both databases (a
citizen's 20 cases, her 50 messages, 1,000 entries in her audit trail, read a page of 100 at
a time); everyone else's rows are what grows. Load: wrk, 4 connections (a list is read by
people, not by a crowd), straight to the service with an internal token, and the audit search
through the gateway with an auditor's session.
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bench_gateway import ANNA, Stack
from bench.wrk import Result, run_wrk
from kit.db import make_engine

AUDITOR = "auditor-frida"
CHUNK = 20_000


def _bulk(url: str, table, rows) -> None:
    """Insert through the driver (sqlite3 executemany) with SQLAlchemy's own bind processors,
    so values are stored exactly as the services store them, at driver speed."""
    engine = make_engine(url)
    dialect = engine.dialect
    columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    names, marks = ", ".join(c.name for c in columns), ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 - our own names

    def encoded(chunk: list[dict]) -> list[tuple]:
        return [
            tuple(
                p(row.get(c.name)) if p else row.get(c.name)
                for c, p in zip(columns, processors, strict=True)
            )
            for row in chunk
        ]

    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB: random-key indexes stay in memory
        chunk: list[dict] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                cursor.executemany(sql, encoded(chunk))
                chunk = []
        if chunk:
            cursor.executemany(sql, encoded(chunk))
        raw.commit()
    finally:
        raw.close()
    engine.dispose()


def _others(total: int, mine: int, per_person: int) -> list[str]:
    people = [str(uuid.uuid4()) for _ in range(max(1, (total - mine) // per_person))]
    return people


def fill(var: Path, total: int) -> None:
    from gateway.store import audit_log
    from services.applications.store import applications
    from services.notifications.store import messages

    start = datetime(2026, 1, 1, tzinfo=UTC)
    rnd = random.Random(18)

    def when(n: int) -> datetime:
        return start + timedelta(seconds=n)

    # Applications: hers are 20, spread through the table.
    mine = 20
    others = _others(total, mine, 5)
    hers_at = set(rnd.sample(range(total), min(mine, total)))

    def cases():
        for n in range(total):
            citizen = ANNA if n in hers_at else others[n % len(others)]
            yield {
                "id": str(uuid.UUID(int=n)),  # in order: the bulk load appends to the index
                "type_id": "hjaelpemidler",
                "type_version": "1",
                "title": "Hjælpemidler",
                "citizen_id": citizen,
                "citizen_cpr": None,
                "case_number": f"ANS-2026-{n:07d}",
                "state": "submitted",
                "outcome": None,
                "answers": {},
                "version": 1,
                "created_by": citizen,
                "created_by_type": "citizen",
                "channel": "portal",
                "created_at": when(n),
                "updated_at": when(n),
                "submitted_at": when(n),
                "information_deadline": None,
            }

    _bulk(f"sqlite:///{var / 'data' / 'applications.db'}", applications, cases())

    mine = 50
    others = _others(total, mine, 10)
    hers_at = set(rnd.sample(range(total), min(mine, total)))

    def sent():
        for n in range(total):
            citizen = ANNA if n in hers_at else others[n % len(others)]
            yield {
                "id": str(uuid.UUID(int=n)),
                "trigger_event_id": f"e-{n}",
                "trigger_type": "dk.selvbetjening.application.submitted.v1",
                "rule_id": "application-received",
                "citizen_id": citizen,
                "recipient_id": citizen,
                "recipient_role": "citizen",
                "channel": "digital_post",
                "fallback_channels": [],
                "fallback_of": None,
                "template_id": "application-received",
                "template_version": 1,
                "language": "da",
                "subject": "Vi har modtaget din ansøgning",
                "body": "Vi har modtaget din ansøgning om hjælpemidler.",
                "status": "sent",
                "attempts": 1,
                "next_attempt_at": None,
                "provider": "simulated",
                "provider_ref": None,
                "reason": None,
                "created_at": when(n),
                "updated_at": when(n),
            }

    _bulk(f"sqlite:///{var / 'data' / 'notifications.db'}", messages, sent())

    mine = min(1000, total)
    others = _others(total, mine, 50)
    hers_at = set(rnd.sample(range(total), mine))

    def trail():
        for n in range(total):
            citizen = ANNA if n in hers_at else others[n % len(others)]
            yield {
                "at": when(n),
                "citizen_id": citizen,
                "actor_id": "sagsbehandler-dorte",
                "actor_type": "staff",
                "channel": "portal",
                "action": "read",
                "resource": f"/api/applications/{n}",
                "status": 200,
                "correlation_id": None,
            }

    _bulk(f"sqlite:///{var / 'data' / 'gateway.db'}", audit_log, trail())


def measure(total: int, seconds: float) -> dict[str, Result]:
    stack = Stack(
        services=("applications", "notifications"),
        prepare=lambda var: fill(var, total),
        ceilings=False,
    )
    with stack:
        auditor = stack.login(AUDITOR)
        calls = {
            "a citizen's cases (GET /api/applications)": (
                stack.urls["applications"] + "/api/applications",
                {"Authorization": f"Bearer {stack.internal_token('applications')}"},
            ),
            "a citizen's messages (GET /api/notifications/me/messages)": (
                stack.urls["notifications"] + "/api/notifications/me/messages",
                {"Authorization": f"Bearer {stack.internal_token('notifications')}"},
            ),
            "audit search, first page (GET /api/audit?citizen_id=)": (
                f"{stack.gateway}/api/audit?citizen_id={ANNA}&limit=100",
                {"Cookie": auditor["Cookie"]},
            ),
        }
        results = {}
        for name, (url, headers) in calls.items():
            run_wrk(url, 2, connections=4, headers=headers)  # warm up
            results[name] = run_wrk(url, seconds, connections=4, headers=headers)
            print(total, name, results[name], flush=True)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    small = measure(args.small, args.seconds)
    large = measure(args.large, args.seconds)
    print(json.dumps({k: [small[k].p99_ms, large[k].p99_ms] for k in small}))


if __name__ == "__main__":
    main()
