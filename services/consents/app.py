"""Flask app factory of the consents service (served by gunicorn)."""

from __future__ import annotations

from kit.web import create_service_app
from services.consents.api import bp, openapi_document
from services.consents.internal_api import internal
from services.consents.services import Clock, Register, utcnow

SERVICE = "consents"


def create_app(settings=None, verifier=None, runtime=None, clock: Clock = utcnow):
    app = create_service_app(
        SERVICE, settings, blueprints=[bp, internal], verifier=verifier, runtime=runtime
    )
    app.extensions["consents.register"] = Register(app.extensions["runtime"].engine, clock)

    @app.get("/openapi.json")
    def openapi():
        return openapi_document(app)

    return app
