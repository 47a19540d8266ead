"""A process the launcher started stops when the launcher is gone, even after kill -9.

The launcher (kit.supervisor) puts its own pid in SB_LAUNCHER_PID. A direct child calls
`follow_launcher()` at start: a small thread notices when its parent pid changes (the kernel
hands an orphan to init or a subreaper at once, even while the dead launcher is a zombie) and
then stops this process's group with SIGTERM, the same way the launcher stops it (gunicorn's
workers with their master), and with SIGKILL if it is still there after a grace period. So no
orphaned gateway keeps a port and no orphaned worker keeps consuming for a consumer group.

Why a thread and not PR_SET_PDEATHSIG (tried, reverted in c086cb0): the kernel sends that
signal when the *thread* that forked the child ends, not the process, and setting it needs a
preexec function in the launcher's Popen, which Python documents as unsafe in a process with
threads (the launcher has several). Here the child decides, with no help from the launcher
beyond an environment variable. The check costs one getppid() every half second.

Processes not started by the launcher (containers, tests) have no SB_LAUNCHER_PID, or another
parent, and are left alone: there, the orchestrator supervises.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Mapping

LAUNCHER_PID = "SB_LAUNCHER_PID"

log = logging.getLogger(__name__)


def follow_launcher(
    env: Mapping[str, str] = os.environ, interval_s: float = 0.5, grace_s: float = 30.0
) -> threading.Thread | None:
    """Watch the launcher from this process; None when it was not started by one."""
    launcher = env.get(LAUNCHER_PID, "")
    if not launcher.isdigit() or int(launcher) != os.getppid():
        return None

    def watch() -> None:
        while os.getppid() == int(launcher):
            time.sleep(interval_s)
        log.warning("the launcher (pid %s) is gone; stopping", launcher)
        _signal_own_group(signal.SIGTERM)
        time.sleep(grace_s)
        _signal_own_group(signal.SIGKILL)

    thread = threading.Thread(target=watch, name="follow-launcher", daemon=True)
    thread.start()
    return thread


def _signal_own_group(signum: int) -> None:
    if os.getpgrp() == os.getpid():  # the launcher starts each child in its own session
        os.killpg(os.getpid(), signum)
    else:
        os.kill(os.getpid(), signum)
