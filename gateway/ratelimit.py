"""Rate limits: per caller on the API, per address on the login pages; fixed windows shared by
every gateway process through the gateway's database.

Why our own and not Flask-Limiter's memory store: that store starts a timer thread on every
hit, which under load cost about a fifth of the gateway's CPU (docs/BENCHMARKS.md). Counting
in a dict under a lock costs microseconds.

Shared (SharedWindows, docs/decisions/0020-*): each process counts in memory, and a background
thread adds its new hits to the shared count every `SB_RATE_SYNC_S` (0.5 s) and reads back the
total of every replica. A request never waits for the database. The guarantee and its limit:
one process alone is exact; with N processes a caller sees the others' hits within one sync,
so in the worst case (spreading requests evenly, at full speed) a caller gets through up to
(N - 1) x rate x sync more than the limit in a window. If the database does not answer, each
process keeps limiting on its own counts (as before) and catches up when it does.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable

from flask import Blueprint, Flask, Response, request
from sqlalchemy import Engine

from gateway import store
from kit.errors import _HTTP_TEXTS, problem_response

log = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(second|minute|hour|day)s?\s*$")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'120/minute' -> (120, 60)."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"not a rate limit: {rate!r} (write e.g. 120/minute)")
    return int(match[1]), _SECONDS[match[2]]


class FixedWindows:
    """How many hits each key has had in the current window of its rate."""

    def __init__(self, clock: Callable[[], float] = time.time, max_keys: int = 100_000) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self._counts: dict[tuple[str, int], tuple[int, int]] = {}  # (key, period) -> (window, n)
        self._lock = threading.Lock()

    def hit(self, key: str, rate: str) -> tuple[bool, int, int]:
        """Count one hit; returns (allowed, remaining, seconds until the window resets)."""
        amount, period = parse_rate(rate)
        now = self.clock()
        window = int(now // period)
        with self._lock:
            if len(self._counts) >= self.max_keys:
                self._forget_old(now)
            seen_window, count = self._counts.get((key, period), (window, 0))
            count = count + 1 if seen_window == window else 1
            self._counts[(key, period)] = (window, count)
        reset = int((window + 1) * period - now) + 1
        return count <= amount, max(0, amount - count), reset

    def _forget_old(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[0] == int(now // k[1])}


class SharedWindows:
    """FixedWindows whose counts every gateway process shares (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        sync_s: float = float(os.environ.get("SB_RATE_SYNC_S", "0.5")),
    ) -> None:
        self.engine, self.clock, self.sync_s = engine, clock, sync_s
        # (key, period, window) -> hits not yet added to the shared count / its last total
        self._unsynced: dict[tuple[str, int, int], int] = {}
        self._shared: dict[tuple[str, int, int], int] = {}
        self._lock = threading.Lock()
        self._syncer: threading.Thread | None = None

    def hit(self, key: str, rate: str) -> tuple[bool, int, int]:
        """Count one hit; returns (allowed, remaining, seconds until the window resets)."""
        amount, period = parse_rate(rate)
        now = self.clock()
        window = int(now // period)
        counted = (key, period, window)
        with self._lock:
            self._unsynced[counted] = self._unsynced.get(counted, 0) + 1
            count = self._shared.get(counted, 0) + self._unsynced[counted]
            if self._syncer is None:  # started in the process that serves (after a fork)
                self._syncer = threading.Thread(target=self._sync_forever, daemon=True)
                self._syncer.start()
        reset = int((window + 1) * period - now) + 1
        return count <= amount, max(0, amount - count), reset

    def sync(self) -> None:
        """Add this process's new hits to the shared counts and read back the totals of every
        window it knows (one write and one read per sync, whatever the number of callers)."""
        now = self.clock()
        with self._lock:
            unsynced, self._unsynced = self._unsynced, {}
            known = {k for k in (*self._shared, *unsynced) if k[2] >= int(now // k[1])}
        if not known:
            return
        try:
            with self.engine.begin() as conn:
                store.add_rate_hits(conn, unsynced)
                totals = store.rate_totals(conn, sorted(known))
        except Exception:
            with self._lock:  # counted again at the next sync; meanwhile limit on our own
                for counted, hits in unsynced.items():
                    self._unsynced[counted] = self._unsynced.get(counted, 0) + hits
            raise
        with self._lock:
            self._shared = totals

    def _sync_forever(self) -> None:
        failing = False
        while True:
            time.sleep(self.sync_s)
            try:
                self.sync()
            except Exception as exc:
                if not failing:  # once per outage, not twice a second
                    log.warning(
                        "rate limits: shared counts unreachable, counting locally: %s",
                        type(exc).__name__,
                    )
                failing = True
            else:
                failing = False


def limit(app: Flask, blueprint: Blueprint, key: Callable[[], str], rate: Callable[[], str]):
    """Apply `rate` per `key` to every route of `blueprint` (429 with Retry-After when over)."""
    windows = app.extensions.get("rate_windows")
    if windows is None:
        windows = app.extensions["rate_windows"] = SharedWindows(app.extensions["engine"])

    @app.before_request
    def _check() -> Response | None:
        if request.blueprint != blueprint.name:
            return None
        allowed, _remaining, reset = windows.hit(key(), rate())
        if allowed:
            return None
        response = problem_response(429, *_HTTP_TEXTS[429])
        response.headers["Retry-After"] = str(reset)
        return response
