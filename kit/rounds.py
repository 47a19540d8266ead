"""A scheduled job's loop: run a round, again at once while it says more is due, then wait.

A failed round (the database briefly away, say) is logged and tried again after the interval;
the job never dies of it. `stop` ends the loop between rounds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def run_rounds(
    stop: threading.Event,
    round_once: Callable[[], int],
    *,
    interval_s: float,
    what: str,
    more_due: Callable[[int], bool] = bool,
) -> None:
    """Until `stop`: `round_once()` while `more_due(its answer)`, then wait `interval_s`."""
    while not stop.is_set():
        try:
            while more_due(round_once()) and not stop.is_set():
                pass  # a full batch may leave more due: go again at once
        except Exception:
            log.exception("%s round failed; retrying in %.0fs", what, interval_s)
        stop.wait(interval_s)
