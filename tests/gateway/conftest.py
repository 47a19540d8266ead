"""The gateway stack's fixtures: tests/harness/gateway_stack.py."""

from tests.harness.gateway_stack import machine_stack, stack

__all__ = ["machine_stack", "stack"]
