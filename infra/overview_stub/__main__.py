"""Run the index stub: python -m infra.overview_stub [--port 8300] [--host 127.0.0.1]."""

from __future__ import annotations

import argparse
import contextlib

from werkzeug.serving import make_server

from infra.overview_stub.app import create_app
from kit.lifeline import follow_launcher


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, create_app(), threaded=True)
    follow_launcher()
    print(f"overview stub listening on http://{args.host}:{server.server_port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
