"""The manager's report: ranked candidates with their evidence, key figures per week, and the
analyses behind them, as an HTML page (plots inline as SVG) and a PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: plots are rendered to SVG and PDF only
import matplotlib.pyplot as plt
from jinja2 import Environment, FileSystemLoader, select_autoescape
from matplotlib.backends.backend_pdf import PdfPages
from sqlalchemy import Engine

from kit import clock
from services.insight import analyses, candidates, figures, store
from services.insight.catalogue_view import CatalogueView
from services.insight.log import build_log

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
TEXTS = {
    "da": {
        "title": "Procesindsigt: hvor møder borgeren bureaukrati?",
        "weekly": "Ansøgninger pr. uge efter kanal",
        "throughput": "Dage fra indsendelse til afgørelse (median og 90 %)",
        "loops": "Andel sager, der venter på flere oplysninger",
        "saved": "Borgerkontakter sparet ved selvbetjening pr. uge",
        "portal": "Selvbetjening",
        "tablet": "Tablet (medbetjening)",
        "staff": "Medarbejder",
        "p50": "Median",
        "p90": "90 %",
    },
    "en": {
        "title": "Process insight: where do citizens meet bureaucracy?",
        "weekly": "Applications per week by channel",
        "throughput": "Days from submission to decision (median and 90th percentile)",
        "loops": "Share of cases waiting for more information",
        "saved": "Citizen contacts saved by self-service per week",
        "portal": "Self-service",
        "tablet": "Tablet (co-service)",
        "staff": "Staff",
        "p50": "Median",
        "p90": "90th percentile",
    },
}


@dataclass
class Insight:
    """Everything the report shows, computed once."""

    generated_at: datetime
    events: int
    applications: int
    results: dict[str, Any]
    weekly: list[dict[str, Any]]
    candidates: list[candidates.Candidate]
    catalogue: CatalogueView
    contact_price_kr: float


def compute(engine: Engine, catalogue: CatalogueView | None = None) -> Insight:
    catalogue = catalogue or CatalogueView.load()
    with engine.connect() as conn:
        occurrences = [o for _, o in store.read_after(conn, 0)]
    log = build_log(occurrences)
    results = analyses.run_all(log, catalogue)
    price = figures.contact_price_kr()
    return Insight(
        generated_at=clock.now(),
        events=len(occurrences),
        applications=int((log["activity"] == "application created").sum()),
        results=results,
        weekly=figures.weekly(log, price),
        candidates=candidates.rank(results, catalogue),
        catalogue=catalogue,
        contact_price_kr=price,
    )


def _type_title(insight: Insight, type_id: str, lang: str) -> str:
    return insight.catalogue.titles.get(type_id, {}).get(lang, type_id)


def _figures(insight: Insight, lang: str) -> list[tuple[str, Any]]:
    """(caption, matplotlib figure) for each plot."""
    text = TEXTS[lang]
    out = []
    weeks = [row["week"] for row in insight.weekly]
    if weeks:
        fig, ax = plt.subplots(figsize=(9, 3.2))
        bottom = [0] * len(weeks)
        for kind in ("portal", "tablet", "staff"):
            values = [row["started"].get(kind, 0) for row in insight.weekly]
            ax.bar(weeks, values, bottom=bottom, label=text[kind])
            bottom = [a + b for a, b in zip(bottom, values, strict=True)]
        ax.set_xticks(weeks[:: max(1, len(weeks) // 12)])
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        ax.legend(fontsize=8)
        fig.tight_layout()
        out.append((text["weekly"], fig))
        fig, ax = plt.subplots(figsize=(9, 3.0))
        ax.bar(weeks, [row["contacts_saved"] for row in insight.weekly], color="#2e7d32")
        ax.set_xticks(weeks[:: max(1, len(weeks) // 12)])
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        fig.tight_layout()
        out.append((text["saved"], fig))
    per_type = insight.results["throughput"]["per_type"]
    if per_type:
        names = [_type_title(insight, t, lang) for t in per_type]
        fig, ax = plt.subplots(figsize=(9, 3.0))
        xs = range(len(names))
        ax.bar(
            [x - 0.2 for x in xs],
            [v["p50"] or 0 for v in per_type.values()],
            0.4,
            label=text["p50"],
        )
        ax.bar(
            [x + 0.2 for x in xs],
            [v["p90"] or 0 for v in per_type.values()],
            0.4,
            label=text["p90"],
        )
        ax.set_xticks(list(xs), names, fontsize=8)
        ax.legend(fontsize=8)
        fig.tight_layout()
        out.append((text["throughput"], fig))
    loops = insight.results["information_loops"]
    if loops:
        fig, ax = plt.subplots(figsize=(9, 3.0))
        ax.bar(
            [_type_title(insight, t, lang) for t in loops],
            [v["share"] * 100 for v in loops.values()],
            color="#b26a00",
        )
        ax.set_ylabel("%")
        ax.tick_params(axis="x", labelsize=8)
        fig.tight_layout()
        out.append((text["loops"], fig))
    return out


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def render_html(insight: Insight, lang: str = "da") -> str:
    lang = lang if lang in TEXTS else "da"
    plots = [(caption, _svg(fig)) for caption, fig in _figures(insight, lang)]
    return TEMPLATES.get_template("report.html").render(
        insight=insight,
        lang=lang,
        text=TEXTS[lang],
        plots=plots,
        type_title=lambda t: _type_title(insight, t, lang),
        step_title=lambda t, s: insight.catalogue.step_titles.get(t, {}).get(s, {}).get(lang, s),
    )


def render_pdf(insight: Insight, lang: str = "da") -> bytes:
    """The same report on paper: the ranked candidates, then the plots."""
    lang = lang if lang in TEXTS else "da"
    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))  # A4
        fig.text(0.06, 0.95, TEXTS[lang]["title"], fontsize=14, weight="bold")
        y = 0.91
        for number, candidate in enumerate(insight.candidates[:10], 1):
            for line in _wrap(f"{number}. {candidate.title[lang]}", 95):
                fig.text(0.06, y, line, fontsize=9, weight="bold")
                y -= 0.018
            for line in _wrap(candidate.change[lang], 100):
                fig.text(0.08, y, line, fontsize=8)
                y -= 0.016
            y -= 0.012
            if y < 0.06:
                break
        pdf.savefig(fig)
        plt.close(fig)
        for caption, plot in _figures(insight, lang):
            plot.suptitle(caption, fontsize=10)
            pdf.savefig(plot)
            plt.close(plot)
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]
