"""Flask app factory of the applications service (served by gunicorn)."""

from __future__ import annotations

import os

from kit.web import create_service_app
from services.applications import api
from services.applications.authority import ProxyAuthority, authority_from_env
from services.applications.catalogue import Catalogue
from services.applications.services import ApplicationsService
from services.applications.sources import SimulatedIncomeSource

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
    app = create_service_app(
        SERVICE, settings, blueprints=[api.bp], verifier=verifier, runtime=runtime
    )
    # The simulated register stands in for eIndkomst until a real adapter is configured.
    extra = {"clock": clock} if clock else {}
    app.extensions["applications"] = ApplicationsService(
        app.extensions["runtime"].engine,
        catalogue or Catalogue.load(),
        sources=sources if sources is not None else {"eindkomst": SimulatedIncomeSource()},
        required_assurance=os.environ.get("SB_REQUIRED_ASSURANCE", "Substantial"),
        authority=authority or authority_from_env(),
        **extra,
    )

    @app.get("/openapi.json")
    def openapi():
        return api.openapi_document(app)

    return app
