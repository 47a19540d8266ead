"""A machine-wide lock on a test's block of ports.

Tests that start the whole platform (kit.launcher) use a fixed SB_PORT_BASE and the ports above
it. Two test runs on one machine (two worktrees, or a developer's run beside CI) would otherwise
collide on those ports and fail with connection errors that say nothing about the cause; with
the lock the second run waits for the first.
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_ports(base: int) -> Iterator[int]:
    path = Path(tempfile.gettempdir()) / f"sb-test-ports-{base}.lock"
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield base
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
