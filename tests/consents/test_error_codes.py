"""Error codes are part of the API contract: every code the service raises is documented."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BASE_CLASSES = {"consent.invalid", "consent.blanket", "proxy.invalid"}  # never raised as such


def test_every_error_code_of_the_service_is_in_its_documentation():
    source = "\n".join(p.read_text() for p in (REPO / "services" / "consents").glob("*.py"))
    codes = set(re.findall(r'code ?= ?"((?:consent|proxy|request)\.[a-z_]+)"', source))
    documented = (REPO / "docs" / "consents.md").read_text()
    assert codes - BASE_CLASSES, "found the codes"
    assert {c for c in codes - BASE_CLASSES if f"`{c}`" not in documented} == set()
