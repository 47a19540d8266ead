"""Bounded waiting for asynchronous effects, instead of fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], bool],
    timeout_s: float = 30.0,
    *,
    step: Callable[[], object] | None = None,
    interval_s: float = 0.05,
    message: str = "condition",
) -> None:
    """Call `step` (e.g. one consumer poll) until `condition` holds; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        if step is not None:
            step()
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {message}")
        if step is None:
            time.sleep(interval_s)
