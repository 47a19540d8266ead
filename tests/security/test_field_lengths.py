"""Finding 3, per field: the catalogue says how long each text answer may be, and a save that
goes beyond it is refused (422) and changes nothing."""

from __future__ import annotations

import pytest

from services.applications.catalogue import Catalogue
from tests.security.conftest import start


@pytest.fixture
def applications(tmp_path):
    service = start("applications", tmp_path)
    yield service
    service.app.extensions["runtime"].close()  # type: ignore[attr-defined]


def test_every_text_field_in_the_catalogue_has_a_max_length():
    for app_type in Catalogue.load():
        for field in app_type.fields.values():
            if field["type"] in ("text", "textarea"):
                assert 0 < field["max_length"] <= 10_000, (app_type.id, field["id"])


def test_an_answer_longer_than_its_field_allows_is_refused_and_not_saved(applications):
    client, headers = applications.app.test_client(), applications.citizen_headers()
    limit = Catalogue.load().get("enkeltudgifter").fields["expense_description"]["max_length"]
    created = client.post(
        "/api/applications",
        json={"type": "enkeltudgifter", "answers": {"expense_description": "x" * (limit + 1)}},
        headers=headers,
    )
    assert created.status_code == 422, created.json
    assert created.json["code"] == "application.field_too_long"
    assert created.json["field"] == "expense_description"

    draft = client.post(
        "/api/applications", json={"type": "enkeltudgifter", "answers": {}}, headers=headers
    )
    assert draft.status_code == 201
    path = f"/api/applications/{draft.json['id']}/answers"
    etag = {"If-Match": draft.headers["ETag"]}
    too_long = client.patch(
        path,
        json={"answers": {"expense_description": "x" * (limit + 1)}},
        headers={**headers, **etag},
    )
    assert too_long.status_code == 422
    assert too_long.json["code"] == "application.field_too_long"
    nested = client.patch(
        path, json={"answers": {"expense_description": {"a": ["b"]}}}, headers={**headers, **etag}
    )
    assert nested.status_code == 422
    assert nested.json["code"] == "application.field_invalid"
    just_right = client.patch(
        path,
        json={"answers": {"expense_description": "x" * limit}},
        headers={**headers, **etag},
    )
    assert just_right.status_code == 200, just_right.json
    saved = client.get(f"/api/applications/{draft.json['id']}", headers=headers).json
    assert saved["answers"]["expense_description"] == "x" * limit
