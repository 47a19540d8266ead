"""The consents service's use cases, one module per group (see services.py)."""
