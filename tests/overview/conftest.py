"""The Mit Overblik connector's fixtures live in tests/harness/overview_index.py (shared with
the journey tests); these names stay importable from here."""

from tests.harness.overview_index import (
    FAST_RETRY,
    Connector,
    Stub,
    connector,
    hidden_policy,
    stub,
)

__all__ = ["FAST_RETRY", "Connector", "Stub", "connector", "hidden_policy", "stub"]
