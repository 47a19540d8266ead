"""Fixtures of the trace tests: spans recorded in-process, the Mit Overblik index stub, the
gateway stack with a real browser."""

from tests.e2e.test_browser import page  # noqa: F401
from tests.harness.gateway_stack import stack  # noqa: F401
from tests.harness.overview_index import stub  # noqa: F401
from tests.harness.traces import recorded  # noqa: F401
