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


# What integrators look for in each document: a problem code named under its status, and the
# scope a machine route asks for.
NAMED_PROBLEMS = [
    ("consents", "/api/consents/consents", "post", "422", "consent.blanket_data"),
    ("appointments", "/api/appointments/appointments", "post", "409", "appointment.slot_taken"),
    (
        "notifications",
        "/api/notifications/templates/{template_id}/versions",
        "post",
        "422",
        "template.unknown_field",
    ),
]
SCOPED = [
    ("consents", "/api/consents/checks", "post", "consents:check"),
    ("notifications", "/api/notifications/callbacks/{provider}", "post", "notifications:callback"),
]


@pytest.mark.parametrize(("service", "path", "method", "status", "code"), NAMED_PROBLEMS)
def test_the_document_names_a_routes_problem_codes(
    service, path, method, status, code, tmp_path, monkeypatch
):
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path))
    operation = json.loads(generate(service))["paths"][path][method]
    assert code in operation["responses"][status]["description"]


@pytest.mark.parametrize(("service", "path", "method", "scope"), SCOPED)
def test_the_document_names_a_machine_routes_scope(
    service, path, method, scope, tmp_path, monkeypatch
):
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path))
    operation = json.loads(generate(service))["paths"][path][method]
    assert operation["security"] == [{"bearer": [scope]}]
