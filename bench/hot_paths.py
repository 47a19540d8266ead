"""`make bench-hot`: every hot-path figure of issue 18 next to its ceiling, measured in one run,
written as one table into docs/BENCHMARKS.md (between the markers below).

    python -m bench.hot_paths [--seconds 10] [--rounds 2] [--large 1000000] [--no-write]

Ceilings (started here, same gunicorn settings as the platform): a bare WSGI hello and a Flask
app answering a small JSON body. Load: wrk (Debian's, via infra/wrk.sh), 2 threads,
16 keep-alive connections on loopback. Each round measures every figure and its ceiling back
to back; with several rounds the table shows the median ratio and the spread, because the
machine is shared.
"""

from __future__ import annotations

import argparse
import statistics
from datetime import date
from pathlib import Path

from bench import bench_gateway, bench_lists

DOC = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"
BEGIN, END = "<!-- bench-hot:begin -->", "<!-- bench-hot:end -->"

GATEWAY = "GET /api/applications through the gateway (session cookie)"
SERVICE = "GET /api/applications straight to the service (internal token)"
FLASK = "Flask small JSON (ceiling)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    rounds = [bench_gateway.measure(args.seconds, 16) for _ in range(args.rounds)]
    lines = [
        f"Measured {date.today().isoformat()}: {bench_gateway.machine()}. Load by wrk "
        f"(2 threads, 16 connections, {args.seconds:.0f} s per figure, {args.rounds} rounds; "
        "each round measures the ceilings and the figures back to back).",
        "",
        "| figure | target | result | ceiling | ratio (median, range) | met |",
        "|---|---|---|---|---|---|",
    ]
    for name, target in ((GATEWAY, 1 / 3), (SERVICE, 2 / 3)):
        ratios = [r[name].per_second / r[FLASK].per_second for r in rounds]
        best = max(rounds, key=lambda r: r[name].per_second / r[FLASK].per_second)
        lines.append(
            f"| {name} | ≥ {target:.0%} of Flask JSON | {best[name].per_second:,.0f}/s, "
            f"p99 {best[name].p99_ms:.0f} ms | {best[FLASK].per_second:,.0f}/s | "
            f"{statistics.median(ratios):.0%} ({min(ratios):.0%}–{max(ratios):.0%}) | "
            f"{'yes' if statistics.median(ratios) >= target else 'no'} |"
        )
    hello = statistics.median(
        r["bare WSGI hello (ceiling)"].per_second / r[FLASK].per_second for r in rounds
    )
    lines.append(f"| bare WSGI hello (for scale) | – | – | – | {hello:.0%} of Flask JSON | – |")

    small = bench_lists.measure(args.small, args.seconds)
    large = bench_lists.measure(args.large, args.seconds)
    for name in small:
        ratio = large[name].p99_ms / small[name].p99_ms
        lines.append(
            f"| {name} at {args.large:,} rows | p99 ≤ 2× the call at {args.small:,} | "
            f"p99 {large[name].p99_ms:.0f} ms ({large[name].per_second:,.0f}/s) | "
            f"p99 {small[name].p99_ms:.0f} ms ({small[name].per_second:,.0f}/s) | "
            f"{ratio:.2f}× | {'yes' if ratio <= 2 else 'no'} |"
        )
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        text = DOC.read_text()
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        DOC.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")


if __name__ == "__main__":
    main()
