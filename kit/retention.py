"""Retention: rows kept only as long as the rules in docs/RETENTION.md say, deleted by a
scheduled job in each service's worker, counted in /metrics.

    python -m kit.retention SERVICE [--dry-run]     # the operator's command: run it once now

Each rule names what it deletes and how old it must be; a service's rules are the messaging
rules every service has (inbox, outbox rows already sent) plus those in its own
`<package>.retention.RULES`. The guarantee and its limits:
- only rows older than the rule's period (measured by an injectable clock) are deleted, in
  batches of `BATCH` per transaction, so a large backlog never holds a long lock;
- an unsent outbox row is never deleted, whatever its age;
- a rule's period comes from `SB_RETENTION_<RULE>_DAYS` when set, else its default;
- a failed round is logged and tried again at the next interval; it never stops the worker.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter, Gauge
from sqlalchemy import Connection, Engine, delete, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from kit.config import package_of
from kit.inbox import inbox_table
from kit.outbox import outbox_table

log = logging.getLogger(__name__)

BATCH = 500
INTERVAL_S = float(os.environ.get("SB_RETENTION_INTERVAL_S", "3600"))

RETENTION_DELETED = Counter(
    "sb_retention_deleted_total", "Rows deleted by a retention rule", ["service", "rule"]
)
RETENTION_RUNS = Counter(
    "sb_retention_runs_total", "Retention rounds, by outcome", ["service", "outcome"]
)
RETENTION_LAST_RUN = Gauge(
    "sb_retention_last_run_timestamp_seconds",
    "When the last successful retention round ended (Unix time)",
    ["service"],
)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Rule:
    """Delete what `doomed(conn, cutoff)` selects (primary keys of `ids`), once `keep` has
    passed; `delete_rows(conn, ids)` deletes them (and their dependent rows)."""

    name: str
    keep: timedelta
    doomed: Callable[[Connection, datetime, int], list]
    delete_rows: Callable[[Connection, list], int]
    description: str = ""

    def configured(self) -> Rule:
        days = os.environ.get(f"SB_RETENTION_{self.name.upper()}_DAYS")
        return replace(self, keep=timedelta(days=float(days))) if days else self


def table_rule(
    name: str,
    table,
    timestamp,
    keep: timedelta,
    description: str,
    where: Callable[[], ColumnElement[bool]] | None = None,
) -> Rule:
    """A rule for one table whose rows age by one timestamp column (or expression)."""
    key = tuple_(*table.primary_key.columns)

    def doomed(conn: Connection, cutoff: datetime, limit: int) -> list:
        query = select(*table.primary_key.columns).where(timestamp < cutoff)
        if where is not None:
            query = query.where(where())
        return [tuple(row) for row in conn.execute(query.limit(limit))]

    def delete_rows(conn: Connection, ids: list) -> int:
        return conn.execute(delete(table).where(key.in_(ids))).rowcount

    return Rule(name, keep, doomed, delete_rows, description)


MESSAGING_RULES: tuple[Rule, ...] = (
    table_rule(
        "inbox",
        inbox_table,
        inbox_table.c.handled_at,
        timedelta(days=30),
        "ids of handled events: kept well past the bus's own retention (7 days), so a "
        "redelivery always finds its id",
    ),
    table_rule(
        "outbox_sent",
        outbox_table,
        outbox_table.c.published_at,
        timedelta(days=7),
        "events already published; unsent ones are never deleted",
        where=lambda: outbox_table.c.published_at.is_not(None),
    ),
)


def rules_for(service: str) -> list[Rule]:
    try:
        own = importlib.import_module(f"{package_of(service)}.retention").RULES
    except ModuleNotFoundError:
        own = ()
    return [rule.configured() for rule in (*MESSAGING_RULES, *own)]


def apply_rules(
    engine: Engine,
    service: str,
    rules: Sequence[Rule],
    now: datetime,
    dry_run: bool = False,
) -> dict[str, int]:
    """One round: every rule, in batches. Returns the rows deleted (or due, on a dry run)."""
    counts: dict[str, int] = {}
    for rule in rules:
        cutoff = now - rule.keep
        total = 0
        while True:
            with engine.begin() as conn:
                ids = rule.doomed(conn, cutoff, BATCH)
                if not ids:
                    break
                if dry_run:
                    total += len(ids)
                    break
                deleted = rule.delete_rows(conn, ids)
            total += deleted
            RETENTION_DELETED.labels(service, rule.name).inc(deleted)
            if len(ids) < BATCH:
                break
        counts[rule.name] = total
    return counts


def retention_job(
    engine: Engine,
    service: str,
    clock: Clock = lambda: datetime.now(UTC),
    interval_s: float = INTERVAL_S,
) -> Callable[[threading.Event], None]:
    """The worker's scheduled job: a round at start, then every `interval_s`."""
    rules = rules_for(service)
    for label in ("ok", "failed"):
        RETENTION_RUNS.labels(service, label)
    for rule in rules:
        RETENTION_DELETED.labels(service, rule.name)

    def retention(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                counts = apply_rules(engine, service, rules, clock())
            except Exception:  # try again next round; never stop the worker
                RETENTION_RUNS.labels(service, "failed").inc()
                log.exception("retention round failed for %s", service)
            else:
                RETENTION_RUNS.labels(service, "ok").inc()
                RETENTION_LAST_RUN.labels(service).set_to_current_time()
                if any(counts.values()):
                    log.info("retention for %s deleted %s", service, counts)
            stop.wait(interval_s)

    return retention


def main() -> None:
    from kit.config import Settings
    from kit.db import make_engine
    from kit.logging import configure_logging

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service")
    parser.add_argument("--dry-run", action="store_true", help="count what is due, delete none")
    args = parser.parse_args()
    settings = Settings.from_env(args.service)
    configure_logging(f"{args.service}-retention", settings.log_level)
    engine = make_engine(settings.database_url)
    rules = rules_for(args.service)
    counts = apply_rules(engine, args.service, rules, datetime.now(UTC), dry_run=args.dry_run)
    verb = "due" if args.dry_run else "deleted"
    for rule in rules:
        print(f"{rule.name:<20} kept {rule.keep.days:>5} days   {verb}: {counts[rule.name]}")
    engine.dispose()


if __name__ == "__main__":
    main()
