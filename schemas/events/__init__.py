"""Event data schemas, one module per publishing service; importing registers the types."""

from schemas.events import (  # noqa: F401 - importing registers each module's types
    applications,
    appointments,
    audit,
    consents,
    notifications,
)

TOPICS = {
    "applications": "applications",
    "consents": "consents",
    "appointments": "appointments",
    "notifications": "notifications",
}
