"""The one table of issue 18's figures in docs/BENCHMARKS.md, kept between two markers.

Every benchmark that measures one of the figures (`make bench-hot`, `bench-submit`,
`bench-notifications`, `bench-overview`) calls `write_rows` with its own rows: a row whose
figure is already in the table replaces it, a new one is added at the end, the others stay as
they were (each row says when it was measured and on what load). So `make bench` fills the
whole table, and one benchmark run again updates only its own rows.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"
BEGIN, END = "<!-- bench-hot:begin -->", "<!-- bench-hot:end -->"
HEADER = (
    "| figure | target | measured | ceiling | ratio | met | machine | method |",
    "|---|---|---|---|---|---|---|---|",
)


@dataclass(frozen=True)
class Row:
    figure: str
    target: str
    measured: str
    ceiling: str
    ratio: str
    met: str  # "yes", "no" or "–"
    machine: str
    method: str

    def line(self) -> str:
        cells = (self.figure, self.target, self.measured, self.ceiling, self.ratio, self.met)
        return "| " + " | ".join((*cells, self.machine, self.method)) + " |"


def machine(loads: list[float]) -> str:
    """'2 vCPU, load 3–12, 2026-11-28 09:10 UTC': the machine as the row was measured."""
    low, high = min(loads), max(loads)
    return (
        f"{os.cpu_count()} vCPU, load {low:.0f}–{high:.0f}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def load() -> float:
    return os.getloadavg()[0]


def _figure(line: str) -> str:
    return line.strip().strip("|").split("|")[0].strip()


def merge(existing: list[str], rows: list[Row]) -> list[str]:
    """The table's lines (header included) with `rows` put in by figure."""
    body = [line for line in existing if line.startswith("|") and line not in HEADER]
    new = {row.figure: row.line() for row in rows}
    merged = [new.pop(_figure(line), line) for line in body]
    merged.extend(new.values())
    return [*HEADER, *merged]


def write_rows(rows: list[Row], doc: Path = DOC) -> str:
    """Put `rows` into the table in `doc`; returns the table as written."""
    text = doc.read_text()
    head, _, rest = text.partition(BEGIN)
    section, _, tail = rest.partition(END)
    table = merge(section.splitlines(), rows)
    about = (
        f"Machine: {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}; each row says when it was measured and the load average "
        "then (the machine is shared)."
    )
    written = "\n".join([about, "", *table])
    doc.write_text(f"{head}{BEGIN}\n{written}\n{END}{tail}")
    return written
