"""Flask app factory of the applications service (served by gunicorn)."""

from __future__ import annotations

import os

from kit.web import create_service_app
from schemas.consent_purposes import PURPOSES as CONSENT_PURPOSES
from services.applications import api, casework_api, documents_api
from services.applications.authority import ProxyAuthority, authority_from_env
from services.applications.catalogue import Catalogue, check_fetches
from services.applications.services import ApplicationsService
from services.applications.sources import data_sources

SERVICE = "applications"


def create_app(
    settings=None,
    verifier=None,
    runtime=None,
    catalogue=None,
    sources=None,
    clock=None,
    authority: ProxyAuthority | None = None,
):
    # SB_DATA_SOURCES chooses them: simulated registers stand in for eIndkomst, CPR and the
    # professionals until real adapters exist.
    catalogue = catalogue or Catalogue.load()
    sources = sources if sources is not None else data_sources()
    check_fetches(catalogue, sources, CONSENT_PURPOSES)  # or refuse to start
    app = create_service_app(
        SERVICE,
        settings,
        blueprints=[api.bp, casework_api.bp, documents_api.bp],
        verifier=verifier,
        runtime=runtime,
    )
    extra = {"clock": clock} if clock else {}
    app.extensions["applications"] = ApplicationsService(
        app.extensions["runtime"].engine,
        catalogue,
        sources=sources,
        required_assurance=os.environ.get("SB_REQUIRED_ASSURANCE", "Substantial"),
        authority=authority or authority_from_env(),
        **extra,
    )

    @app.get("/openapi.json")
    def openapi():
        return api.openapi_document(app)

    return app
