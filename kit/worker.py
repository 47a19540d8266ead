"""A service's background process: the outbox relay, its event consumers and scheduled jobs.

    python -m kit.worker SERVICE [--port PORT] [--host HOST]

It serves /healthz, /readyz and /metrics on PORT. SIGTERM or SIGINT stops it cleanly: threads
finish their current record, consumers leave their groups.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import threading
from collections.abc import Callable

from werkzeug.serving import make_server

from kit import adapters, tracing
from kit.config import Settings, package_of
from kit.consumer import EventConsumer
from kit.lifeline import follow_launcher
from kit.logging import configure_logging
from kit.outbox import OutboxRelay
from kit.retention import retention_job
from kit.runtime import Runtime
from kit.web import create_base_app

log = logging.getLogger("kit.worker")


def _handlers(runtime: Runtime):
    """The unit's handlers module; the gateway has none (its worker only relays and keeps
    retention)."""
    try:
        return importlib.import_module(f"{package_of(runtime.service)}.handlers")
    except ModuleNotFoundError as exc:
        if exc.name != f"{package_of(runtime.service)}.handlers":
            raise
        return None


def load_consumers(runtime: Runtime) -> list[EventConsumer]:
    handlers = _handlers(runtime)
    return list(handlers.consumers(runtime)) if handlers else []


def load_jobs(runtime: Runtime) -> list[Callable[[threading.Event], None]]:
    """A service's scheduled work (expiries, reminders, retention): functions that run until
    `stop`."""
    handlers = _handlers(runtime)
    jobs = list(getattr(handlers, "background_jobs", lambda _runtime: [])(runtime))
    return [*jobs, retention_job(runtime.engine, runtime.service)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address for health and metrics (0.0.0.0 in a container)",
    )
    args = parser.parse_args(argv)

    adapters.refuse_simulated_in_production()
    settings = Settings.from_env(args.service)
    configure_logging(f"{args.service}-worker", settings.log_level)
    tracing.configure(f"{args.service}-worker")
    runtime = Runtime.from_settings(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    follow_launcher()  # SIGTERM (so `stop`) when the launcher that started it is gone

    relay = OutboxRelay(runtime.engine, runtime.bus, service=args.service)
    threads = [threading.Thread(target=relay.run, args=(stop,), name="outbox-relay")]
    for consumer in load_consumers(runtime):
        threads.append(
            threading.Thread(
                target=consumer.run, args=(stop,), name=f"consumer-{consumer.group_id}"
            )
        )
    for job in load_jobs(runtime):
        threads.append(
            threading.Thread(
                target=job, args=(stop,), name=f"job-{getattr(job, '__name__', 'job')}"
            )
        )
    for thread in threads:
        thread.start()

    server = None
    if args.port:
        app = create_base_app(f"{args.service}-worker", runtime.readiness())
        server = make_server(args.host, args.port, app, threaded=True)
        threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    log.info(
        "worker for %s running: relay + %d consumer(s) and job(s), bus=%s",
        args.service,
        len(threads) - 1,
        settings.bus_backend,
    )
    stop.wait()
    log.info("worker for %s stopping", args.service)
    for thread in threads:
        thread.join(timeout=15)
    if server is not None:
        server.shutdown()
    runtime.close()


if __name__ == "__main__":
    main()
