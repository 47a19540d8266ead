"""Keeps the launcher's processes running: a process that dies is restarted with backoff, and
one that keeps dying is given up on and reported, while the others keep serving.

The guarantee and its limits:
- a process that exits (crash, kill -9, out of memory) while the platform runs is started
  again after a backoff that doubles with each crash in a row (1 s, 2 s, 4 s, ... at most
  `max_backoff_s`); a process that ran `stable_after_s` without crashing starts from the
  first step again;
- more than `max_restarts` crashes within `window_s` means something is broken that a
  restart will not fix: the process is given up on (logged, `sb_process_given_up` = 1) and
  the rest keep running; the operator fixes the cause and restarts the launcher;
- a hung process that does not exit is not detected here (the orchestrator's liveness probe
  on /healthz does that in production: infra/k8s/);
- every exit, restart and surrender is logged and counted in the launcher's /metrics.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from prometheus_client import CollectorRegistry, Counter, Gauge

from kit.lifeline import LAUNCHER_PID

RUNNING, BACKING_OFF, GIVEN_UP, STOPPED = "running", "backing_off", "given_up", "stopped"


@dataclass(frozen=True)
class RestartPolicy:
    first_backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    stable_after_s: float = 60.0
    max_restarts: int = 5
    window_s: float = 300.0

    @classmethod
    def from_env(cls) -> RestartPolicy:
        env = os.environ
        return cls(
            first_backoff_s=float(env.get("SB_RESTART_BACKOFF_S", cls.first_backoff_s)),
            max_backoff_s=float(env.get("SB_RESTART_MAX_BACKOFF_S", cls.max_backoff_s)),
            stable_after_s=float(env.get("SB_RESTART_STABLE_S", cls.stable_after_s)),
            max_restarts=int(env.get("SB_RESTART_LIMIT", cls.max_restarts)),
            window_s=float(env.get("SB_RESTART_WINDOW_S", cls.window_s)),
        )

    def backoff(self, crashes_in_a_row: int) -> float:
        return min(self.first_backoff_s * 2 ** max(crashes_in_a_row - 1, 0), self.max_backoff_s)


class SupervisorMetrics:
    """The launcher's own metrics, in their own registry (not the services')."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.up = Gauge(
            "sb_process_up", "1 while the process runs", ["process"], registry=self.registry
        )
        self.restarts = Counter(
            "sb_process_restarts_total",
            "Times the supervisor started a process again after it exited",
            ["process"],
            registry=self.registry,
        )
        self.exits = Counter(
            "sb_process_exits_total",
            "Unexpected exits, by exit code (negative: the signal)",
            ["process", "code"],
            registry=self.registry,
        )
        self.given_up = Gauge(
            "sb_process_given_up",
            "1 when the process crashed too often and is no longer restarted",
            ["process"],
            registry=self.registry,
        )


@dataclass
class Supervised:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    state: str = STOPPED
    started_at: float = 0.0
    restart_at: float = 0.0
    crashes_in_a_row: int = 0
    restarts: int = 0
    crash_times: deque[float] = field(default_factory=deque)
    last_exit: int | None = None

    def status(self) -> dict:
        return {
            "name": self.name,
            "state": self.state,
            "pid": self.proc.pid if self.proc and self.state == RUNNING else None,
            "restarts": self.restarts,
            "last_exit_code": self.last_exit,
        }


def pipe_output(name: str, stream: IO[bytes]) -> None:
    width = 22
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:<{width}}| {line.decode(errors='replace')}")
        sys.stdout.flush()


class Supervisor:
    """Starts processes, restarts those that exit, stops them all on request."""

    def __init__(
        self,
        cwd: str,
        env: dict[str, str],
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.cwd = cwd
        # Each child watches this pid and stops when the launcher is gone (kit.lifeline).
        self.env = {**env, LAUNCHER_PID: str(os.getpid())}
        self.policy = policy or RestartPolicy.from_env()
        self.clock = clock
        self.say = say or (lambda text: print(f"launcher: {text}", file=sys.stderr, flush=True))
        self.metrics = SupervisorMetrics()
        self.processes: dict[str, Supervised] = {}
        self._lock = threading.Lock()

    def add(self, name: str, argv: list[str]) -> Supervised:
        supervised = Supervised(name, argv)
        self.processes[name] = supervised
        self.metrics.restarts.labels(name)
        self.metrics.given_up.labels(name).set(0)
        self._start(supervised)
        return supervised

    def _start(self, p: Supervised) -> None:
        p.proc = subprocess.Popen(
            p.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Its own process group: a restart can kill what it left behind (gunicorn workers).
            start_new_session=True,
        )
        p.state, p.started_at = RUNNING, self.clock()
        self.metrics.up.labels(p.name).set(1)
        assert p.proc.stdout is not None
        threading.Thread(target=pipe_output, args=(p.name, p.proc.stdout), daemon=True).start()

    def check(self) -> None:
        """One round: notice exits, start again those whose backoff is over."""
        with self._lock:
            now = self.clock()
            for p in self.processes.values():
                if p.state == RUNNING and p.proc is not None and p.proc.poll() is not None:
                    self._exited(p, now)
                elif p.state == BACKING_OFF and now >= p.restart_at:
                    p.restarts += 1
                    self.metrics.restarts.labels(p.name).inc()
                    self.say(f"{p.name}: starting again (restart {p.restarts})")
                    self._start(p)

    def _exited(self, p: Supervised, now: float) -> None:
        assert p.proc is not None
        p.last_exit = p.proc.returncode
        self.metrics.up.labels(p.name).set(0)
        self.metrics.exits.labels(p.name, str(p.last_exit)).inc()
        _kill_group(p.proc)  # children it left behind would hold its port
        if now - p.started_at >= self.policy.stable_after_s:
            p.crashes_in_a_row = 0
        p.crashes_in_a_row += 1
        p.crash_times.append(now)
        while p.crash_times and now - p.crash_times[0] > self.policy.window_s:
            p.crash_times.popleft()
        if len(p.crash_times) > self.policy.max_restarts:
            p.state = GIVEN_UP
            self.metrics.given_up.labels(p.name).set(1)
            self.say(
                f"{p.name} exited with {p.last_exit}: {len(p.crash_times)} crashes within "
                f"{self.policy.window_s:.0f} s; giving up on it (the others keep running). "
                "Fix the cause, then restart the launcher."
            )
            return
        delay = self.policy.backoff(p.crashes_in_a_row)
        p.state, p.restart_at = BACKING_OFF, now + delay
        self.say(f"{p.name} exited with {p.last_exit}; starting it again in {delay:.0f} s")

    def status(self) -> list[dict]:
        with self._lock:
            return [p.status() for p in self.processes.values()]

    def stop_all(self, grace_s: float = 15.0) -> None:
        with self._lock:
            running = [p for p in self.processes.values() if p.proc and p.proc.poll() is None]
            for p in self.processes.values():
                p.state = STOPPED
        for p in running:
            assert p.proc is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for p in running:
            assert p.proc is not None
            try:
                p.proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                _kill_group(p.proc)
                p.proc.wait()


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
