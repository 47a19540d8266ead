"""End-to-end fixtures, from tests/harness/: the gateway stack, the tablet and portal stacks,
and the browser (Chromium through Playwright)."""

from tests.harness.browser import tablet
from tests.harness.gateway_stack import stack
from tests.harness.tablet_stack import portal_stack, tablet_stack

__all__ = ["portal_stack", "stack", "tablet", "tablet_stack"]
