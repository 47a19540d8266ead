"""kit.supervisor: a process that dies is started again with backoff, one that keeps dying is
given up on, and the others keep running throughout."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest
import requests

from kit.supervisor import BACKING_OFF, GIVEN_UP, RUNNING, RestartPolicy, Supervisor
from tests.waiting import wait_until

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


def sample(supervisor: Supervisor, name: str, labels: dict[str, str]) -> float | None:
    return supervisor.metrics.registry.get_sample_value(name, labels)


@pytest.fixture
def make_supervisor(tmp_path):
    made: list[Supervisor] = []

    def make(**policy) -> tuple[Supervisor, list[str]]:
        said: list[str] = []
        supervisor = Supervisor(
            str(tmp_path), dict(os.environ), RestartPolicy(**policy), say=said.append
        )
        made.append(supervisor)
        return supervisor, said

    yield make
    for supervisor in made:
        supervisor.stop_all(grace_s=2)


def test_backoff_doubles_with_each_crash_in_a_row_up_to_the_ceiling():
    policy = RestartPolicy(first_backoff_s=1, max_backoff_s=30)
    assert [policy.backoff(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_killed_process_is_started_again_and_the_restart_is_counted(make_supervisor):
    supervisor, said = make_supervisor(first_backoff_s=0.1)
    worker = supervisor.add("worker", SLEEPER)
    neighbour = supervisor.add("neighbour", SLEEPER)
    first_pid, neighbour_pid = worker.proc.pid, neighbour.proc.pid

    os.kill(first_pid, signal.SIGKILL)
    wait_until(
        lambda: (supervisor.check(), worker.state == RUNNING and worker.proc.pid != first_pid)[1],
        10,
        message="the worker to be started again",
    )
    assert neighbour.proc.pid == neighbour_pid and neighbour.proc.poll() is None
    assert sample(supervisor, "sb_process_restarts_total", {"process": "worker"}) == 1
    assert sample(supervisor, "sb_process_exits_total", {"process": "worker", "code": "-9"}) == 1
    assert sample(supervisor, "sb_process_up", {"process": "worker"}) == 1
    assert "worker exited with -9; starting it again in 0 s" in said
    assert {p["name"]: p["restarts"] for p in supervisor.status()} == {
        "worker": 1,
        "neighbour": 0,
    }


def test_a_process_that_keeps_crashing_is_given_up_on_while_the_others_keep_running(
    make_supervisor,
):
    supervisor, said = make_supervisor(first_backoff_s=0.05, max_restarts=2, window_s=60)
    crasher = supervisor.add("crasher", CRASHER)
    neighbour = supervisor.add("neighbour", SLEEPER)
    neighbour_pid = neighbour.proc.pid

    wait_until(
        lambda: (supervisor.check(), crasher.state == GIVEN_UP)[1],
        15,
        message="the supervisor to give up on the crashing process",
    )
    assert crasher.restarts == 2  # started three times in all, then no more
    assert sample(supervisor, "sb_process_given_up", {"process": "crasher"}) == 1
    assert sample(supervisor, "sb_process_up", {"process": "crasher"}) == 0
    assert any("giving up on it" in line for line in said)
    supervisor.check()
    assert crasher.state == GIVEN_UP and crasher.restarts == 2
    assert neighbour.state == RUNNING and neighbour.proc.pid == neighbour_pid


def test_a_process_that_ran_long_enough_starts_again_from_the_shortest_backoff(
    make_supervisor,
):
    now = [0.0]
    supervisor, _said = make_supervisor(first_backoff_s=1, stable_after_s=60, max_restarts=10)
    supervisor.clock = lambda: now[0]
    worker = supervisor.add("worker", SLEEPER)
    for expected_delay, ran_for in ((1, 5), (2, 5), (1, 120)):
        now[0] += ran_for
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(5)
        supervisor.check()
        assert worker.state == BACKING_OFF
        assert worker.restart_at - now[0] == expected_delay
        now[0] = worker.restart_at
        supervisor.check()
        assert worker.state == RUNNING


class Health:
    """Health URLs that answer once told to (the launcher's wait for a start, without ports)."""

    RequestException = requests.RequestException

    def __init__(self) -> None:
        self.answering: set[str] = set()

    def get(self, url: str, timeout: float):
        if url not in self.answering:
            raise requests.ConnectionError(url)
        return type("Answer", (), {"ok": True})()


def test_a_process_that_dies_during_start_before_it_answered_stops_the_start(
    make_supervisor, monkeypatch
):
    from kit import launcher

    monkeypatch.setattr(launcher, "requests", Health())
    supervisor, _ = make_supervisor(first_backoff_s=0.1)
    specs = [launcher.ProcessSpec("broken", CRASHER, "http://broken/healthz")]
    supervisor.add("broken", CRASHER)
    assert launcher.wait_healthy(specs, supervisor, timeout_s=10) is False


def test_a_process_killed_after_it_answered_is_restarted_while_the_start_goes_on(
    make_supervisor, monkeypatch
):
    """Seen in CI: a worker killed while a slower process was still starting stopped the whole
    platform ('not every process became healthy')."""
    from kit import launcher

    health = Health()
    monkeypatch.setattr(launcher, "requests", health)
    supervisor, said = make_supervisor(first_backoff_s=0.1)
    specs = [
        launcher.ProcessSpec("worker", SLEEPER, "http://worker/healthz"),
        launcher.ProcessSpec("slow", SLEEPER, "http://slow/healthz"),
    ]
    worker = supervisor.add("worker", SLEEPER)
    supervisor.add("slow", SLEEPER)
    health.answering.add("http://worker/healthz")
    first_pid = worker.proc.pid

    def kill_then_let_slow_answer() -> None:
        time.sleep(0.5)  # the launcher has seen the worker answer (it polls every 0.2 s)
        os.kill(first_pid, signal.SIGKILL)
        wait_until(lambda: worker.restarts == 1, 10, message="the worker to be restarted")
        health.answering.add("http://slow/healthz")

    helper = threading.Thread(target=kill_then_let_slow_answer)
    helper.start()
    assert launcher.wait_healthy(specs, supervisor, timeout_s=20) is True
    helper.join(15)
    assert worker.state == RUNNING and worker.proc.pid != first_pid
    assert any("worker exited with -9" in line for line in said)
