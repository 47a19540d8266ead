"""The consents API's OpenAPI document names its problem codes and scopes (that every route is
documented is tests/unit/test_openapi.py)."""

from __future__ import annotations

from tests.consents.conftest import start_service


def test_the_openapi_document_names_problem_codes_and_scopes(tmp_path):
    """Every route is documented: tests/unit/test_openapi.py. Here: what integrators need."""
    service = start_service(f"sqlite:///{tmp_path / 'consents.db'}", tmp_path)
    document = service.app.test_client().get("/openapi.json").json
    service.app.extensions["runtime"].close()  # type: ignore[attr-defined]
    assert document["openapi"] == "3.1.0"
    give = document["paths"]["/api/consents/consents"]["post"]
    assert "consent.blanket_data" in give["responses"]["422"]["description"]
    assert give["requestBody"]["content"]["application/json"]["schema"]
    check = document["paths"]["/api/consents/checks"]["post"]
    assert check["security"] == [{"bearer": ["consents:check"]}]
