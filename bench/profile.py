"""Where a hot path spends its time: py-spy samples one server while wrk loads it.

    python -m bench.profile service|gateway [--seconds 15] [--out /tmp/bench-profile]

Starts the same stack as bench_gateway, puts wrk's load on the service read (internal token)
or the gateway read (session cookie), and records the loaded server's gunicorn processes with
`py-spy record --subprocesses --gil` (only samples of the thread holding the GIL: on two
cores, time spent waiting for the GIL would otherwise show up in whatever released it).
Writes the folded stacks (py-spy's raw format: one stack per line, the input of any flame
graph tool, e.g. speedscope or flamegraph.pl) and prints the functions with the largest
share of samples, inclusive and self. py-spy needs ptrace (root, or
kernel.yama.ptrace_scope=0).
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import threading
from pathlib import Path

from bench.bench_gateway import Stack
from bench.wrk import run_wrk


def py_spy() -> str:
    path = Path(sys.executable).parent / "py-spy"
    if not path.exists():
        raise SystemExit("py-spy is missing: make venv installs it (pinned in the dev extras)")
    return str(path)


def record(pid: int, seconds: float, out: Path, fmt: str) -> None:
    subprocess.run(
        [
            py_spy(),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--gil",
            "--rate",
            "200",
            "--duration",
            f"{seconds:.0f}",
            "--format",
            fmt,
            "--output",
            str(out),
            "--nonblocking",
        ],
        check=True,
        capture_output=True,
    )


def summary(folded: Path, top: int = 25) -> str:
    """Share of samples per function, inclusive (anywhere on the stack) and self (on top)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        # "function (file.py:line)" -> "function (file.py)": a function counts once.
        frames = [
            f.rsplit(":", 1)[0] + ")" if f.endswith(")") else f
            for f in stack.split(";")
            if not f.startswith("process ")
        ] or ["(idle)"]
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    lines = [f"{total} samples with the GIL held", "", "inclusive:"]
    lines += [f"  {n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", choices=("service", "gateway"))
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-profile"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with Stack(ceilings=False) as stack:
        if args.target == "service":
            url = stack.service + "/api/applications"
            headers = {"Authorization": f"Bearer {stack.internal_token()}"}
            server = stack.procs[1]  # mock-idp, applications, gateway
        else:
            url = stack.gateway + "/api/applications"
            headers = {"Cookie": stack.login()["Cookie"]}
            server = stack.procs[2]
        run_wrk(url, 2, headers=headers)  # warm up
        results = {}
        load = threading.Thread(
            target=lambda: results.update(r=run_wrk(url, args.seconds + 4, headers=headers))
        )
        load.start()
        base = args.out / args.target
        record(server.pid, args.seconds, base.with_suffix(".txt"), "raw")
        load.join()
        print(f"{args.target}: {results['r']}")
    print(summary(base.with_suffix(".txt")))
    print(f"\nfolded stacks: {base.with_suffix('.txt')}")


if __name__ == "__main__":
    main()
