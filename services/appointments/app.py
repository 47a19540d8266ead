"""Flask app factory of the appointments service (served by gunicorn)."""

from kit.web import create_service_app

SERVICE = "appointments"


def create_app(settings=None):
    # No HTTP resources yet: the service's own issue adds its blueprints here.
    return create_service_app(SERVICE, settings, blueprints=[])
