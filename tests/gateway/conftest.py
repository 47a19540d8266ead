"""The gateway stack's fixtures live in tests/harness/gateway_stack.py (shared with the e2e,
security, perf and casework tests); these names stay importable from here."""

from tests.harness.gateway_stack import (
    ANNA,
    BENT,
    CARL,
    Dispatcher,
    MachineStack,
    Stack,
    TokenIssuer,
    build_stack,
    create_mock_idp,
    machine_idp_app,
    machine_stack,
    new_person,
    provider_url,
    serve,
    stack,
)

__all__ = [
    "create_mock_idp",
    "TokenIssuer",
    "ANNA",
    "BENT",
    "CARL",
    "serve",
    "machine_idp_app",
    "Stack",
    "Dispatcher",
    "provider_url",
    "build_stack",
    "stack",
    "MachineStack",
    "machine_stack",
    "new_person",
]
