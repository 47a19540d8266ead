"""Flask app factory of the appointments service (served by gunicorn)."""

from __future__ import annotations

from kit.web import create_service_app
from services.appointments.api import bp, openapi_document
from services.appointments.services import Appointments, Clock, Config, utcnow
from services.appointments.video_api import bp as video_bp
from services.appointments.video_calls import VideoCalls

SERVICE = "appointments"


def create_app(
    settings=None, verifier=None, runtime=None, clock: Clock = utcnow, config: Config | None = None
):
    app = create_service_app(
        SERVICE, settings, blueprints=[bp, video_bp], verifier=verifier, runtime=runtime
    )
    app.extensions["appointments"] = Appointments(
        app.extensions["runtime"].engine, clock, config or Config.from_env()
    )
    app.extensions["video_calls"] = VideoCalls(app.extensions["appointments"])

    @app.get("/openapi.json")
    def openapi():
        return openapi_document(app)

    return app
