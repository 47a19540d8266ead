"""The consents API's OpenAPI document is generated from the code and covers every route."""

from __future__ import annotations

from tests.consents.conftest import start_service


def test_every_route_is_in_the_openapi_document_with_its_problem_codes(tmp_path):
    service = start_service(f"sqlite:///{tmp_path / 'consents.db'}", tmp_path)
    document = service.app.test_client().get("/openapi.json").json
    service.app.extensions["runtime"].close()  # type: ignore[attr-defined]
    assert document["openapi"] == "3.1.0"
    routes = {
        (rule.rule, method.lower())
        for rule in service.app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path.replace("{", "<").replace("}", ">"), method)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert routes == documented
    give = document["paths"]["/api/consents/consents"]["post"]
    assert "consent.blanket_data" in give["responses"]["422"]["description"]
    assert give["requestBody"]["content"]["application/json"]["schema"]
    check = document["paths"]["/api/consents/checks"]["post"]
    assert check["security"] == [{"bearer": ["consents:check"]}]
