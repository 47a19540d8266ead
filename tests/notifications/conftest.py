"""The notifications service on each database: tests/notifications/service.py."""

from tests.notifications.service import service, sqlite_service

__all__ = ["service", "sqlite_service"]
