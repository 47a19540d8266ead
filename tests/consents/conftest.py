"""The consents service on each database: tests/consents/service.py."""

from tests.consents.service import service

__all__ = ["service"]
