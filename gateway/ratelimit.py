"""Rate limits: per caller on the API, per address on the login pages; fixed windows counted in
this gateway process.

Why our own and not Flask-Limiter's memory store: that store starts a timer thread on every
hit, which under load cost about a fifth of the gateway's CPU (docs/BENCHMARKS.md). Counting
in a dict under a lock costs microseconds. Limit: each gateway process counts on its own, so
with N processes a caller may reach N times the limit (a shared store would be needed then).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from flask import Blueprint, Flask, Response, request

from kit.errors import _HTTP_TEXTS, problem_response

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


def limit(app: Flask, blueprint: Blueprint, key: Callable[[], str], rate: Callable[[], str]):
    """Apply `rate` per `key` to every route of `blueprint` (429 with Retry-After when over)."""
    windows: FixedWindows = app.extensions.setdefault("rate_windows", FixedWindows())

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
