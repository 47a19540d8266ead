"""The background job that drains the queue of pushes to the index, per case in order.

Each round takes the oldest due push of each case (at most one per case), sends them side by
side, and then, in one transaction: deletes what the index took (remembering what it stored:
store.acknowledged), dead-letters what it refused or what ran out of attempts, and postpones
the rest with exponential backoff and jitter. A
crash between sending and deleting sends the same version again, which the index ignores.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import Engine
from tenacity import RetryCallState, wait_exponential_jitter

from kit import tracing
from kit.db import read_only
from services.overview import metrics, store
from services.overview.config import RetryPolicy
from services.overview.transport import RejectedPush, TransientPushError, Transport

log = logging.getLogger(__name__)


@dataclass
class _Attempt:
    attempt_number: int


class Pusher:
    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        retry: RetryPolicy | None = None,
        *,
        batch_size: int = 200,
        workers: int = 4,
        idle_s: float = 0.2,
    ) -> None:
        self.engine = engine
        self.transport = transport
        self.retry = retry or RetryPolicy()
        self.batch_size = batch_size
        self.idle_s = idle_s
        self._wait = wait_exponential_jitter(
            multiplier=self.retry.initial_s, max=self.retry.max_s, jitter=self.retry.jitter_s
        )
        self.workers = workers
        self._pool = (
            ThreadPoolExecutor(workers, thread_name_prefix="overview-push") if workers > 1 else None
        )
        self._gauges_at = 0.0

    def run_once(self) -> int:
        """One round; returns how many pushes the index took."""
        now = datetime.now(UTC)
        with read_only(self.engine) as conn:
            heads = store.ready_heads(conn, now, self.batch_size)
        if not heads:
            self._update_gauges(force=False)
            return 0
        outcomes = self._send_all(heads)
        delivered = 0
        with self.engine.begin() as conn:
            done, stored = [], []
            for row, (result, error) in zip(heads, outcomes, strict=True):
                if error is None:
                    done.append(row.id)
                    if result == "stored":
                        stored.append(row)
                    metrics.PUSHES.labels(row.kind, result).inc()
                    continue
                attempts = row.attempts + 1
                if isinstance(error, RejectedPush):
                    self._dead_letter(conn, row, attempts, error.code, str(error))
                elif attempts >= self.retry.max_attempts:
                    self._dead_letter(conn, row, attempts, "retries_exhausted", str(error))
                else:
                    delay = self._wait(cast(RetryCallState, _Attempt(attempts)))
                    store.postpone(
                        conn, row.id, attempts, now + timedelta(seconds=delay), str(error)
                    )
            store.acknowledge(conn, stored)
            store.delete_pending(conn, done)
            delivered = len(done)
        if delivered:
            metrics.LAST_SUCCESS.set(time.time())
        self._update_gauges(force=delivered < len(heads))
        return delivered

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if self.run_once() == 0:
                    stop.wait(self.idle_s)
            except Exception:
                # The database may be briefly away; the queue keeps everything meanwhile.
                log.exception("overview push round failed")
                stop.wait(1.0)
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def drain(self, timeout_s: float = 60.0) -> None:
        """Push until nothing is due (benchmarks, commands and tests)."""
        deadline = time.monotonic() + timeout_s
        while self.run_once() and time.monotonic() < deadline:
            pass

    def _send_all(self, heads: list[Any]) -> list[tuple[str, Exception | None]]:
        """Send the round's heads side by side: each push thread takes the next head until
        none is left (one task per thread, not one per push: a future and its wake-up per push
        cost a tenth of the connector's time in a resync)."""
        if self._pool is None or len(heads) == 1:
            return [self._send(row) for row in heads]
        outcomes: list[tuple[str, Exception | None]] = [("", None)] * len(heads)
        turn = iter(range(len(heads)))
        lock = threading.Lock()

        def work() -> None:
            while True:
                with lock:
                    i = next(turn, None)
                if i is None:
                    return
                outcomes[i] = self._send(heads[i])

        tasks = [self._pool.submit(work) for _ in range(min(self.workers, len(heads)))]
        for task in tasks:
            task.result()
        return outcomes

    def _send(self, row: Any) -> tuple[str, Exception | None]:
        with tracing.continued(
            f"push {row.kind}",
            kind=tracing.SpanKind.CLIENT,
            traceparent=row.traceparent,
            correlation_id=row.correlation_id,
            attributes={
                "sb.overview.kind": row.kind,
                "sb.overview.record_id": row.record_id,
                "sb.overview.version": row.version,
                "sb.overview.attempt": row.attempts + 1,
            },
        ) as span:
            result, error = self._push(row)
            span.set_attribute("sb.overview.result", result or type(error).__name__)
            if error is not None:
                tracing.failed(span, type(error).__name__)
            return result, error

    def _push(self, row: Any) -> tuple[str, Exception | None]:
        try:
            pushed = self.transport.push(
                row.kind, row.record_id, orjson.loads(row.payload), row.correlation_id
            )
            return pushed, None
        except RejectedPush as exc:
            metrics.PUSH_FAILURES.labels(row.kind, "rejected").inc()
            return "", exc
        except TransientPushError as exc:
            metrics.PUSH_FAILURES.labels(row.kind, "unavailable").inc()
            log.warning(
                "index unavailable for %s %s (attempt %d): %s",
                row.kind,
                row.case_id,
                row.attempts + 1,
                exc,
            )
            return "", exc

    def _dead_letter(self, conn: Any, row: Any, attempts: int, reason: str, error: str) -> None:
        store.bury(conn, row, attempts, reason, error)
        metrics.DEAD_LETTERS.labels(row.kind, reason).inc()
        log.error(
            "push of %s %s version %d dead-lettered: %s", row.kind, row.case_id, row.version, reason
        )

    def _update_gauges(self, force: bool) -> None:
        if not force and time.monotonic() - self._gauges_at < 1.0:
            return
        self._gauges_at = time.monotonic()
        with read_only(self.engine) as conn:
            counts = store.counts(conn)
        metrics.PENDING.set(counts["pending"])
        oldest = counts["oldest_pending"]
        metrics.LAG.set((datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0)
