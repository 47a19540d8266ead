"""The appointments service on each database: tests/appointments/service.py."""

from tests.appointments.service import service

__all__ = ["service"]
