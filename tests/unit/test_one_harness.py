"""Shared test fixtures live in tests/harness/: no test module imports another folder's
conftest (a folder's conftest only names fixtures for its own folder)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _imported_conftests(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".conftest"):
            found.add(node.module)
    return found


def test_no_test_module_imports_another_folders_conftest():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        own = ".".join(("tests", *path.relative_to(TESTS).parent.parts, "conftest"))
        for module in _imported_conftests(path):
            if module not in (own, "tests.conftest"):
                offenders.append(f"{path.relative_to(TESTS)} imports {module}")
    assert offenders == [], "take shared fixtures from tests/harness/: " + "; ".join(offenders)
