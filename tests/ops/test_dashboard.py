"""The Grafana dashboard (infra/grafana/) shows only metrics the platform exposes: a renamed or
removed metric fails here instead of leaving an empty panel in the operators' dashboard."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "infra/grafana/selvbetjening-platform.json"


def exposed_metrics() -> set[str]:
    """Every metric name declared in the code (prometheus_client adds _bucket to histograms)."""
    names: set[str] = set()
    for path in [
        *REPO.glob("kit/**/*.py"),
        *REPO.glob("services/**/*.py"),
        *REPO.glob("gateway/**/*.py"),
    ]:
        names |= set(re.findall(r'"(sb_[a-z_]+)"', path.read_text()))
    return names | {f"{n}_bucket" for n in names}


def test_every_panel_queries_metrics_the_platform_exposes():
    dashboard = json.loads(DASHBOARD.read_text())
    exposed = exposed_metrics()
    assert dashboard["panels"], "the dashboard has panels"
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            used = set(re.findall(r"\bsb_[a-z_]+", target["expr"]))
            assert used, panel["title"]
            assert used <= exposed, f"{panel['title']}: unknown {sorted(used - exposed)}"


def test_the_dashboard_covers_lag_backlog_dead_letters_errors_latency_and_restarts():
    exprs = " ".join(
        t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"] for t in p["targets"]
    )
    for metric in (
        "sb_consumer_lag",
        "sb_outbox_backlog",
        "sb_dead_letters_total",
        "sb_handler_errors_total",
        "sb_http_request_seconds_bucket",
        "sb_process_restarts_total",
    ):
        assert metric in exprs
