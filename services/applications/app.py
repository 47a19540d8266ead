"""Flask app factory for the applications service (run it with gunicorn: 'services.applications.app:create_app()')."""

from kit.web import create_service_app

SERVICE = "applications"


def create_app(settings=None):
    # No HTTP resources yet: the service's own issue adds its blueprints here.
    return create_service_app(SERVICE, settings, blueprints=[])
