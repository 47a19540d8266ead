"""Flask app factory of process insight: the report through the gateway; the exporter's
consumer runs in the worker (`kit.worker insight`), exports and reports also by `cli.py`."""

from __future__ import annotations

from kit.web import create_service_app
from services.insight.api import bp

SERVICE = "insight"


def create_app(settings=None, verifier=None, runtime=None):
    return create_service_app(
        SERVICE, settings, blueprints=[bp], verifier=verifier, runtime=runtime
    )
