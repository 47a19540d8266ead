"""HTTP API of process insight: the report (HTML, PDF) and its figures (JSON), for staff with
the analyst role and machines with the insight:read scope. No personal data in any answer."""

from __future__ import annotations

import os
import threading
import time

from flask import Blueprint, Response, current_app, jsonify, request

from kit.auth import MACHINE, STAFF, requires
from services.insight import report

bp = Blueprint("insight", __name__, url_prefix="/api/insight")

ANALYST = "analyst"
READ_SCOPE = "insight:read"
_guard = requires(kinds=(STAFF, MACHINE), roles=(ANALYST,), scopes=(READ_SCOPE,))


class InsightCache:
    """The computed insight, reused for a short while: the analyses read every occurrence."""

    def __init__(self, engine, max_age_s: float) -> None:
        self.engine, self.max_age_s = engine, max_age_s
        self._lock = threading.Lock()
        self._value: report.Insight | None = None
        self._at = 0.0

    def get(self) -> report.Insight:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self.max_age_s:
                self._value = report.compute(self.engine)
                self._at = time.monotonic()
            return self._value


def insight() -> report.Insight:
    cache = current_app.extensions.get("insight_cache")
    if cache is None:
        cache = InsightCache(
            current_app.extensions["runtime"].engine,
            float(os.environ.get("SB_INSIGHT_CACHE_S", "60")),
        )
        current_app.extensions["insight_cache"] = cache
    return cache.get()


def _lang() -> str:
    asked = request.args.get("lang") or request.accept_languages.best_match(["da", "en"]) or "da"
    return asked if asked in ("da", "en") else "da"


@bp.get("/report")
@_guard
def report_page():
    return Response(report.render_html(insight(), _lang()), mimetype="text/html")


@bp.get("/report.pdf")
@_guard
def report_pdf():
    lang = _lang()
    return Response(
        report.render_pdf(insight(), lang),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="procesindsigt-{lang}.pdf"'},
    )


@bp.get("/figures")
@_guard
def figures():
    found = insight()
    return jsonify(
        generated_at=found.generated_at.isoformat(),
        events=found.events,
        applications=found.applications,
        contact_price_kr=found.contact_price_kr,
        weekly=found.weekly,
        candidates=[c.as_dict() for c in found.candidates],
        analyses=found.results,
    )
