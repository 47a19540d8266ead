"""Fixtures of the trace tests: spans recorded in-process, the Mit Overblik index stub."""

from tests.harness.overview_index import stub  # noqa: F401
from tests.harness.traces import recorded  # noqa: F401
