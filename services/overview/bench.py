"""Benchmark (not a test): pushes per second to the index stub, and the time to resync
100,000 cases.

    python -m services.overview.bench [--cases 2000] [--resync 100000] [--workers 8]
                                      [--database-url postgresql://...] [--table]

The stub runs as its own process, as `make run` starts it (gunicorn); the connector's database
is SQLite in a temporary directory unless --database-url names another. The resync runs as in
production: the push job is running (a thread here, the worker's job there) while the resync
queues every record page by page; timed from the start of the resync until the queue is empty.
Then the same resync again with `skip_acknowledged` (after our own outage: the index took
everything). The ceiling is the stub's own rate for a bare PUT of one record, from wrk in the
same run. `--table` writes the rows into docs/BENCHMARKS.md (bench.table).
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
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import insert, select

from bench import table
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
    parser.add_argument("--ceiling-seconds", type=float, default=10, help="0: no wrk ceiling")
    parser.add_argument("--table", action="store_true", help="write the rows to BENCHMARKS.md")
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="overview-bench-")
    url = args.database_url or f"sqlite:///{os.path.join(tmp, 'overview.db')}"
    upgrade("overview", url)
    engine = make_engine(url)
    proc, stub_url = start_stub()
    config = ConnectorConfig.from_env()
    connector = OverviewConnector(load_policies(), config.organisation)

    def new_pusher() -> Pusher:
        return Pusher(
            engine,
            HttpTransport(stub_url, 10),
            RetryPolicy(0.05, 1, 0.05, 100),
            batch_size=500,
            workers=args.workers,
            idle_s=0.01,
        )

    pusher = new_pusher()
    loads = [table.load()]
    results: dict = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "database": url.split(":")[0],
        "workers": args.workers,
    }
    try:
        if args.ceiling_seconds:
            results["stub_put_ceiling_per_s"] = round(
                _stub_ceiling(stub_url, connector, args.ceiling_seconds)
            )
            loads.append(table.load())
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
        loads.append(table.load())
        for mode, skip in (("resync", False), ("resync_skip", True)):
            cpu = _Cpu(proc.pid)
            timed = _timed_resync(engine, connector, new_pusher(), skip)
            spent = cpu.spent()
            results[f"{mode}_cases"] = args.resync
            results[f"{mode}_queued"] = timed["queued"]
            results[f"{mode}_skipped"] = timed["skipped"]
            results[f"{mode}_queue_s"] = timed["queue_s"]
            results[f"{mode}_total_s"] = timed["total_s"]
            results[f"{mode}_pushes_per_s"] = round(timed["queued"] / timed["total_s"])
            if timed["queued"]:
                results[f"{mode}_cpu_ms_per_push"] = {
                    side: round(seconds * 1000 / timed["queued"], 3)
                    for side, seconds in spent.items()
                }
            loads.append(table.load())
        results["left_pending"] = _pending(engine)
    finally:
        proc.terminate()
        proc.wait(10)
        engine.dispose()
    results["load_average"] = [round(x, 1) for x in loads]
    print(json.dumps(results, indent=2))
    if args.table:
        print(table.write_rows(_rows(results, loads)))


def _timed_resync(engine, connector, pusher, skip: bool) -> dict:
    """The resync while the push job runs, until the queue is empty."""
    stop = threading.Event()
    job = threading.Thread(target=pusher.run, args=(stop,), name="push-job")
    started = time.perf_counter()
    job.start()
    try:
        count = connector.resync(engine, skip_acknowledged=skip)
        queued_at = time.perf_counter()
        while _any_pending(engine):
            time.sleep(0.2)
        finished = time.perf_counter()
    finally:
        stop.set()
        job.join()
    return {
        "queued": count.queued,
        "skipped": count.skipped,
        "queue_s": round(queued_at - started, 1),
        "total_s": round(finished - started, 1),
    }


class _Cpu:
    """CPU seconds spent from now on by this process and by the stub (its master and worker)."""

    def __init__(self, stub_pid: int) -> None:
        self.stub_pid = stub_pid
        self.start = {"connector": time.process_time(), "stub": self._stub()}

    def _stub(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        pids = [self.stub_pid]
        children = Path(f"/proc/{self.stub_pid}/task/{self.stub_pid}/children")
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
        total = 0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def spent(self) -> dict[str, float]:
        return {
            "connector": time.process_time() - self.start["connector"],
            "stub": self._stub() - self.start["stub"],
        }


def _stub_ceiling(stub_url: str, connector: OverviewConnector, seconds: float) -> float:
    """wrk's rate for a bare PUT of one valid case record to the stub (parsed, validated and
    answered "unchanged" after the first): what the stub can take on this machine."""
    from bench.wrk import run_wrk

    record = _template_record(connector)
    policy = connector.policies["hjaelpemidler"]
    record["application_id"] = str(uuid.uuid4())
    record["published"] = None
    _, pushes = domain.next_pushes(record, policy, connector.organisation)
    body = json.dumps(pushes[0].payload).encode()
    result = run_wrk(
        f"{stub_url}/sagsindeks/sager/{pushes[0].record_id}",
        seconds,
        method="PUT",
        body=body,
        headers={"Content-Type": "application/json"},
    )
    if result.errors:
        raise RuntimeError(f"the stub answered {result.errors} bare PUTs with errors")
    return result.per_second


def _rows(results: dict, loads: list[float]) -> list[table.Row]:
    machine = table.machine(loads)
    cases = results["resync_cases"]
    ceiling = results.get("stub_put_ceiling_per_s")
    rate = results["resync_pushes_per_s"]
    method = (
        f"make bench-overview: {cases:,} cases seeded in SQLite, resync while the push job "
        f"runs ({results['workers']} threads, urllib3 keep-alive) until the queue is empty; "
        "the stub (gunicorn, 1 worker × 8 threads) in its own process; ceiling: wrk 2 threads "
        "× 16 conn., bare PUT of one record"
    )
    cpu = results.get("resync_cpu_ms_per_push", {})
    return [
        table.Row(
            f"overview resync of {cases:,} cases",
            "< 60 s",
            f"{results['resync_total_s']:,.0f} s ({rate:,} pushes/s; CPU per push "
            f"{cpu.get('connector', 0):.2f} ms connector + {cpu.get('stub', 0):.2f} ms stub)",
            f"{ceiling:,}/s (stub, bare PUT)" if ceiling else "–",
            f"{rate / ceiling:.0%} of the stub's rate" if ceiling else "–",
            "yes" if results["resync_total_s"] < 60 else "no",
            machine,
            method,
        ),
        table.Row(
            f"overview resync of {cases:,} cases after our own outage (skip acknowledged)",
            "–",
            f"{results['resync_skip_total_s']:,.1f} s ({results['resync_skip_queued']:,} "
            f"sent, {results['resync_skip_skipped']:,} left out)",
            "–",
            "–",
            "–",
            machine,
            "the same run, right after the full resync: `cli resync --skip-acknowledged`",
        ),
    ]


def _any_pending(engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(store.pending.c.id).limit(1)).first() is not None


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
