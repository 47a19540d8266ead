"""The gateway stack of tests/gateway, shared here."""

from tests.gateway.conftest import stack  # noqa: F401
