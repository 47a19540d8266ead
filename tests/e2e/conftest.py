"""End-to-end fixtures: the gateway stack (tests/gateway/conftest.py) for browser tests."""

from tests.gateway.conftest import stack  # noqa: F401 - a fixture used by the browser test
