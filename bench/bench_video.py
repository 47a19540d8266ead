"""Video visits: time from "Start" to connected, and signalling messages per call.

    python -m bench.bench_video [--runs 5]

Runs the browser tests of tests/e2e/test_video_calls.py (real gateway, real appointments
service, Debian's Chromium with a fake camera, the local coturn for the relay-only call) and
collects the line each call prints: from the staff member's click on "Start" (the other person
already waiting) until the first RTCPeerConnection is "connected", and the messages the
gateway received and sent for the call (signalling, presence, ends). Needs what `make test`
starts: SB_CHROMIUM, SB_TEST_TURN_URL and SB_TEST_TURN_SECRET (infra/coturn.sh).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_once() -> list[dict]:
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "tests/e2e/test_video_calls.py",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if answer.returncode != 0:
        sys.stderr.write(answer.stdout[-3000:])
        raise SystemExit("the video tests failed")
    return [
        json.loads(line.split("video-bench ", 1)[1])
        for line in answer.stdout.splitlines()
        if "video-bench " in line
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, list[dict]] = defaultdict(list)
    for _ in range(args.runs):
        for row in run_once():
            results[row["setup"]].append(row)
    print("| call | runs | Start to connected, median (min–max) | signalling messages per call |")
    print("|---|---|---|---|")
    for setup, rows in results.items():
        times = [r["start_to_connected_ms"] for r in rows]
        messages = [r["messages"] for r in rows]
        print(
            f"| {setup} | {len(rows)} | {statistics.median(times):.0f} ms "
            f"({min(times)}–{max(times)}) | {statistics.median(messages):.0f} "
            f"({min(messages)}–{max(messages)}) |"
        )


if __name__ == "__main__":
    main()
