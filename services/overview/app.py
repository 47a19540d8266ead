"""Flask app factory of the overview connector: health, readiness and metrics only; its work
happens in the worker (`kit.worker overview`) and its operations in `cli.py`."""

from __future__ import annotations

from kit.web import create_service_app

SERVICE = "overview"


def create_app(settings=None, verifier=None, runtime=None):
    return create_service_app(SERVICE, settings, verifier=verifier, runtime=runtime)
