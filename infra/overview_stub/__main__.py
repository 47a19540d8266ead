"""Run the index stub: python -m infra.overview_stub [--port 8300] [--host 127.0.0.1].

Served by gunicorn like the platform's own servers (one worker, since the stub keeps what it
took in memory; threads; HTTP/1.1 keep-alive), so the connector's pushes are not held up by a
server that opens a thread and a TCP connection per request.
"""

from __future__ import annotations

import argparse
from typing import Any

from gunicorn.app.base import BaseApplication

from infra.overview_stub.app import create_app
from kit.lifeline import follow_launcher


class StubServer(BaseApplication):
    def __init__(self, host: str, port: int, threads: int) -> None:
        self.options: dict[str, Any] = {
            "bind": f"{host}:{port}",
            "workers": 1,  # the records live in this one process's memory
            "threads": threads,
            "worker_class": "gthread",
            "keepalive": 30,
            "graceful_timeout": 5,
            "loglevel": "warning",
            "errorlog": "-",
            # Several gunicorns on one machine: none needs the control socket (kit.launcher).
            "control_socket_disable": True,
            # The master stops when the launcher is gone, even after kill -9 (kit.lifeline).
            "when_ready": _ready,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        return create_app()


def _ready(server: Any) -> None:
    follow_launcher()
    print(f"overview stub listening on http://{server.cfg.bind[0]}/", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    StubServer(args.host, args.port, args.threads).run()


if __name__ == "__main__":
    main()
