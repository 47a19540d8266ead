"""Event and API schemas shared by all services (marshmallow), exportable for integrators."""
