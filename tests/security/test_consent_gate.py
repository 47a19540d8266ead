"""Finding 9: the consent gate is usable, not only closed. Every fetch the catalogue names has
a consent purpose (whose data and sources cover it) and a source adapter, checked when the
service starts; each such fetch can succeed with a consent naming its case; a consent for a
purpose that serves one case must name the case."""

from __future__ import annotations

import uuid

import pytest

from schemas.consent_purposes import PURPOSES
from services.applications.app import create_app as create_applications
from services.applications.catalogue import Catalogue, CatalogueError
from services.applications.handlers import on_consent_event
from services.consents.texts import PURPOSES as CONSENT_TEXTS
from tests.applications.builders import make_type_document
from tests.builders import make_consent_event
from tests.security.conftest import start


def test_every_purpose_has_a_consent_text_with_the_same_data_and_sources():
    assert set(CONSENT_TEXTS) == set(PURPOSES)
    for code, purpose in PURPOSES.items():
        text = CONSENT_TEXTS[code]
        assert set(text.data_categories) == set(purpose.data_categories), code
        assert set(text.sources) == set(purpose.sources), code


def test_the_service_does_not_start_when_a_fetch_has_no_purpose_or_no_source(tmp_path):
    bad_purpose = make_type_document()
    bad_purpose["data_fetch"][0]["purpose"] = "nothing.like.this"
    with pytest.raises(CatalogueError, match="nothing.like.this"):
        create_applications(catalogue=Catalogue({"testhjaelp": _typed(bad_purpose)}))
    no_source = make_type_document()
    no_source["data_fetch"][0]["source"] = "nowhere"
    with pytest.raises(CatalogueError, match="nowhere"):
        create_applications(catalogue=Catalogue({"testhjaelp": _typed(no_source)}))


def _typed(document):
    from services.applications.catalogue import parse_type

    return parse_type(document)


def test_every_fetch_the_catalogue_names_can_succeed_with_a_consent_for_its_case(tmp_path):
    service = start("applications", tmp_path)
    client, engine = service.app.test_client(), service.app.extensions["runtime"].engine
    fetched = []
    for app_type in Catalogue.load():
        for fetch_id, fetch in app_type.data_fetches.items():
            citizen = str(uuid.uuid4())
            headers = service.citizen_headers(citizen)
            draft = client.post(
                "/api/applications", json={"type": app_type.id, "answers": {}}, headers=headers
            ).json
            url = f"/api/applications/{draft['id']}/fetches/{fetch_id}"
            assert client.post(url, headers=headers).status_code == 403  # no consent yet
            with engine.begin() as conn:
                on_consent_event(conn, make_consent_event(citizen, fetch["purpose"], draft["id"]))
            response = client.post(url, headers=headers)
            assert response.status_code == 200, (app_type.id, fetch_id, response.json)
            fetched.append((app_type.id, fetch_id))
    assert len(fetched) >= 6


def test_a_consent_for_a_purpose_that_serves_one_case_must_name_the_case(tmp_path):
    consents = start("consents", tmp_path)
    client, headers = consents.app.test_client(), consents.citizen_headers()
    assert PURPOSES["enkeltudgifter.trangsvurdering"].per_case
    body = {
        "purpose": "enkeltudgifter.trangsvurdering",
        "text_version": "1",
        "language": "da",
        "data_categories": ["income"],
        "sources": ["eindkomst"],
        "channel": "portal",
    }
    refused = client.post("/api/consents/consents", json=body, headers=headers)
    assert refused.status_code == 422, refused.json
    assert refused.json["code"] == "consent.case_required"
    named = client.post(
        "/api/consents/consents", json={**body, "case_ref": str(uuid.uuid4())}, headers=headers
    )
    assert named.status_code == 201, named.json
