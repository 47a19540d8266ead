"""Event data schemas, one module per publishing service; importing registers the types."""

from schemas.events import applications, appointments, audit, consents  # noqa: F401

TOPICS = {
    "applications": "applications",
    "consents": "consents",
    "appointments": "appointments",
    "notifications": "notifications",
}
