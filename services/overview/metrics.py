"""The connector's Prometheus metrics. Labels never hold personal data (no ids, no CPR)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

PUSHES = Counter("sb_overview_pushes_total", "Records the index accepted", ["kind", "result"])
PUSH_FAILURES = Counter(
    "sb_overview_push_failures_total", "Failed push attempts", ["kind", "reason"]
)
DEAD_LETTERS = Counter(
    "sb_overview_dead_letters_total", "Pushes moved to the dead letters", ["kind", "reason"]
)
PENDING = Gauge("sb_overview_pending", "Pushes waiting to go to the index")
LAG = Gauge("sb_overview_lag_seconds", "Age of the oldest push still waiting (0 when none)")
LAST_SUCCESS = Gauge(
    "sb_overview_last_success_timestamp_seconds",
    "When the index last accepted a record (Unix time)",
)
