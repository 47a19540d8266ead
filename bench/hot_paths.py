"""`make bench-hot`: every hot-path figure of issue 18 next to its ceiling, measured in one run,
written into the one table in docs/BENCHMARKS.md (bench.table).

    python -m bench.hot_paths [--seconds 10] [--rounds 3] [--large 1000000]
                              [--database postgresql] [--no-write]

Ceilings (started here, same gunicorn settings as the platform): a bare WSGI hello and a Flask
app answering a small JSON body. Load: wrk (Debian's, via infra/wrk.sh), 2 threads,
16 keep-alive connections on loopback. Each round measures every figure and its ceiling back
to back; the table shows the median ratio of the rounds and their spread, because the machine
is shared. The lists are measured at 1,000 and at `--large` rows (bench.bench_lists).
"""

from __future__ import annotations

import argparse
import statistics

from bench import bench_gateway, bench_lists, table

GATEWAY = "GET /api/applications through the gateway (session cookie)"
SERVICE = "GET /api/applications straight to the service (internal token)"
FLASK = "Flask small JSON (ceiling)"
HELLO = "bare WSGI hello (ceiling)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    loads = [table.load()]
    rounds = []
    for _ in range(args.rounds):
        rounds.append(bench_gateway.measure(args.seconds, 16))
        loads.append(table.load())
    machine = table.machine(loads)
    wrk16 = f"wrk 2 threads × 16 conn., {args.seconds:.0f} s, median of {args.rounds} rounds"
    rows = []
    for name, target in ((GATEWAY, 1 / 3), (SERVICE, 2 / 3)):
        ratios = [r[name].per_second / r[FLASK].per_second for r in rounds]
        mid = sorted(rounds, key=lambda r: r[name].per_second / r[FLASK].per_second)[
            len(rounds) // 2
        ]
        rows.append(
            table.Row(
                name,
                f"≥ {target:.0%} of Flask JSON",
                f"{mid[name].per_second:,.0f}/s, p99 {mid[name].p99_ms:.0f} ms",
                f"{mid[FLASK].per_second:,.0f}/s (Flask JSON)",
                f"{statistics.median(ratios):.0%} ({min(ratios):.0%}–{max(ratios):.0%})",
                "yes" if statistics.median(ratios) >= target else "no",
                machine,
                f"{wrk16}; SQLite; {bench_gateway.machine()}",
            )
        )
    hello = statistics.median(r[HELLO].per_second / r[FLASK].per_second for r in rounds)
    rows.append(
        table.Row(
            "bare WSGI hello (for scale)",
            "–",
            f"{statistics.median(r[HELLO].per_second for r in rounds):,.0f}/s",
            "–",
            f"{hello:.0%} of Flask JSON",
            "–",
            machine,
            wrk16,
        )
    )

    loads = [table.load()]
    small = bench_lists.measure(args.small, args.seconds, args.database)
    loads.append(table.load())
    large = bench_lists.measure(args.large, args.seconds, args.database)
    loads.append(table.load())
    machine = table.machine(loads)
    for name in small:
        ratio = large[name].p99_ms / small[name].p99_ms
        rows.append(
            table.Row(
                f"{name} at {args.large:,} rows",
                f"p99 ≤ 2× the call at {args.small:,}",
                f"p99 {large[name].p99_ms:.0f} ms, p50 {large[name].p50_ms:.0f} ms "
                f"({large[name].per_second:,.0f}/s)",
                f"p99 {small[name].p99_ms:.0f} ms, p50 {small[name].p50_ms:.0f} ms "
                f"({small[name].per_second:,.0f}/s) at {args.small:,}",
                f"{ratio:.2f}×",
                "yes" if ratio <= 2 else "no",
                machine,
                f"wrk 2 threads × 4 conn., {args.seconds:.0f} s; {args.database}",
            )
        )
    print("\n".join(row.line() for row in rows))
    if not args.no_write:
        table.write_rows(rows)


if __name__ == "__main__":
    main()
