"""Flask app factory for the notifications service (run it with gunicorn: 'services.notifications.app:create_app()')."""

from kit.web import create_service_app

SERVICE = "notifications"


def create_app(settings=None):
    # No HTTP resources yet: the service's own issue adds its blueprints here.
    return create_service_app(SERVICE, settings, blueprints=[])
