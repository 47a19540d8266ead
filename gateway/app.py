"""Flask app factory for the gateway (gunicorn 'gateway.app:create_app()')."""

from __future__ import annotations

import requests
from flask import Flask

from gateway import pages, routing
from kit.logging import configure_logging
from kit.web import create_base_app

MAX_REQUEST_BYTES = 25 * 1024 * 1024  # attachments included; services set tighter limits


def create_app(upstreams: dict[str, str] | None = None) -> Flask:
    configure_logging("gateway")
    targets = upstreams or routing.upstreams()

    def check(name: str, url: str):
        def ready() -> None:
            requests.get(f"{url}/readyz", timeout=2).raise_for_status()

        ready.__name__ = name
        return ready

    app = create_base_app("gateway", {name: check(name, url) for name, url in targets.items()})
    app.config["UPSTREAMS"] = targets
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.register_blueprint(pages.bp)
    app.register_blueprint(routing.bp)
    return app
