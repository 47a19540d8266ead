"""The gateway stack's fixture: tests/harness/gateway_stack.py."""

from tests.harness.gateway_stack import stack

__all__ = ["stack"]
