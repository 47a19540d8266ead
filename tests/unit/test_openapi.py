"""The OpenAPI documents are generated from the code and the checked-in copies match it."""

from __future__ import annotations

import json

import pytest

from kit.config import REPO_ROOT
from kit.export_openapi import DOCUMENTED, generate


@pytest.mark.parametrize("service", sorted(DOCUMENTED))
def test_the_checked_in_openapi_document_matches_the_code(service, tmp_path, monkeypatch):
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path))
    checked_in = (REPO_ROOT / "docs" / "api" / f"{service}.openapi.json").read_text()
    assert generate(service) == checked_in, "run `make openapi` and commit docs/api/"


@pytest.mark.parametrize("service", sorted(DOCUMENTED))
def test_every_api_route_is_documented_with_its_problems(service, tmp_path, monkeypatch):
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path))
    document = json.loads(generate(service))
    module = __import__(f"{DOCUMENTED[service]}.app", fromlist=["create_app"])
    app = module.create_app()
    routes = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    documented = set()
    for path, operations in document["paths"].items():
        flask_path = path.replace("{", "<").replace("}", ">")
        for method, operation in operations.items():
            documented.add((flask_path, method))
            assert operation["summary"]
            assert "401" in operation["responses"]
    assert routes == documented
    assert document["openapi"] == "3.1.0"
