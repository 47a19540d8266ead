"""Casework through the gateway stack: tests/casework/site.py."""

from tests.casework.site import casework
from tests.harness.gateway_stack import stack

__all__ = ["casework", "stack"]
