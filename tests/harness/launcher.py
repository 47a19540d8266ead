"""Waiting for `make run`'s launcher (kit.launcher) started by a test."""

from __future__ import annotations

from pathlib import Path

# What the launcher prints once it has seen every process answer its health URL. The gateway's
# /readyz can answer sooner; a process killed before the launcher saw it answer is a broken
# start (the launcher stops), not a crash the supervisor restarts.
EVERYTHING_RUNNING = "everything is running"


def everything_running(log_path: Path) -> bool:
    return log_path.exists() and EVERYTHING_RUNNING in log_path.read_text(errors="replace")
