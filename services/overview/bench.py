"""Benchmark (not a test): pushes per second to the index stub, and the time to resync
100,000 cases.

    python -m services.overview.bench [--cases 2000] [--resync 100000] [--workers 8]
                                      [--database-url postgresql://...]

The stub runs as its own process (as in `make run`), the connector's database is SQLite in a
temporary directory unless --database-url names another. Resync is timed in two parts: queuing
every record from the connector's state, and draining the queue into the stub.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

import requests
from sqlalchemy import insert

from kit.config import REPO_ROOT
from kit.db import make_engine
from kit.events import Actor, Event
from kit.migrate import upgrade
from schemas.events import applications as ev
from services.overview import domain, store
from services.overview.config import ConnectorConfig, RetryPolicy
from services.overview.policies import load_policies
from services.overview.pusher import Pusher
from services.overview.services import OverviewConnector
from services.overview.transport import HttpTransport

CPR = "0101804321"


def start_stub() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.overview_stub", "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("the stub did not start")


def case_life(application_id: str) -> list[Event]:
    base = {
        "application_id": application_id,
        "citizen_id": str(uuid.uuid4()),
        "type_id": "hjaelpemidler",
    }
    number = f"2026-{uuid.uuid4().int % 10**6:06d}"
    actor = Actor("bench", "system", "system")

    def event(event_type: str, **data) -> Event:
        return Event(
            type=event_type,
            source="/bench",
            subject=application_id,
            actor=actor,
            data={**base, **data},
        )

    def status(frm: str, to: str, outcome: str | None = None) -> Event:
        return event(
            ev.STATUS_CHANGED,
            case_number=number,
            from_state=frm,
            to_state=to,
            outcome=outcome,
            status_text=None,
            notify_citizen=True,
        )

    return [
        event(ev.CREATED, title="Hjælpemidler", channel="portal"),
        status("draft", "submitted"),
        event(
            ev.SUBMITTED,
            case_number=number,
            title="Hjælpemidler",
            submitted_at=datetime.now(UTC).isoformat(),
            citizen_cpr=CPR,
        ),
        status("submitted", "under_review"),
        event(
            ev.DOCUMENT_ADDED,
            document_id=str(uuid.uuid4()),
            title="Afgørelse",
            direction="outgoing",
            document_date="2026-03-02",
        ),
        status("under_review", "decided", "granted"),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--resync", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="overview-bench-")
    url = args.database_url or f"sqlite:///{os.path.join(tmp, 'overview.db')}"
    upgrade("overview", url)
    engine = make_engine(url)
    proc, stub_url = start_stub()
    config = ConnectorConfig.from_env()
    connector = OverviewConnector(load_policies(), config.organisation)
    pusher = Pusher(
        engine,
        HttpTransport(stub_url, 10),
        RetryPolicy(0.05, 1, 0.05, 100),
        batch_size=500,
        workers=args.workers,
        idle_s=0.01,
    )
    results: dict = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "database": url.split(":")[0],
        "workers": args.workers,
    }
    try:
        # 1. Live path: events -> records -> queue; then time the drain alone.
        started = time.perf_counter()
        for _ in range(args.cases):
            application_id = str(uuid.uuid4())
            with engine.begin() as conn:
                for event in case_life(application_id):
                    connector.take_event(conn, event)
        results["events_per_s"] = round(args.cases * 6 / (time.perf_counter() - started))
        pushes = _pending(engine)
        started = time.perf_counter()
        pusher.drain(600)
        elapsed = time.perf_counter() - started
        results["live_pushes"] = pushes
        results["pushes_per_s"] = round(pushes / elapsed)

        # 2. Resync: the state of `--resync` cases, written directly (building it through
        # events would time the consumer, not the resync).
        template = _template_record(connector)
        with engine.begin() as conn:
            conn.execute(store.cases.delete())
        _seed(engine, template, args.resync)
        started = time.perf_counter()
        queued = connector.resync(engine)
        results["resync_cases"] = args.resync
        results["resync_queue_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        pusher.drain(3600)
        results["resync_drain_s"] = round(time.perf_counter() - started, 1)
        results["resync_pushes"] = queued
        results["resync_total_s"] = round(results["resync_queue_s"] + results["resync_drain_s"], 1)
        results["left_pending"] = _pending(engine)
    finally:
        proc.terminate()
        proc.wait(10)
        engine.dispose()
    print(json.dumps(results, indent=2))


def _pending(engine) -> int:
    with engine.connect() as conn:
        return int(store.counts(conn)["pending"])


def _template_record(connector: OverviewConnector) -> dict:
    record = domain.new_record("x", "hjaelpemidler", "c")
    policy = connector.policies["hjaelpemidler"]
    for event in case_life("x"):
        record = domain.apply(record, event.type, event.data, event.time, policy, event.id)
    record, _ = domain.next_pushes(record, policy, connector.organisation)
    return record


def _seed(engine, template: dict, count: int, batch: int = 5000) -> None:
    now = datetime.now(UTC)
    for start in range(0, count, batch):
        rows = []
        for _ in range(min(batch, count - start)):
            record = {
                **template,
                "application_id": str(uuid.uuid4()),
                "case_number": f"2026-{uuid.uuid4().int % 10**8:08d}",
            }
            rows.append(
                {
                    "application_id": record["application_id"],
                    "type_id": "hjaelpemidler",
                    "version": record["version"],
                    "record": json.dumps(record),
                    "updated_at": now,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(store.cases), rows)


if __name__ == "__main__":
    main()
