"""The pages the gateway serves to browsers: the citizen portal and the staff tablet app.

The application screens (/ansoeg/, /mine-sager/) are shells: their scripts in static/portal/
build the screens from the APIs with the browser's session, using the shared front-end module
static/ui/ui.js and the design system in static/dkfds/ (docs/portal.md,
docs/decisions/0008-design-system-dkfds.md).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory

bp = Blueprint("pages", __name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
# The workspace shows a case's documents in the page: the browser's PDF viewer in a frame and
# images, from blob: URLs its script makes of the checked content (static/workspace/app.js).
WORKSPACE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; frame-src blob:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# The shape of the catalogue's type ids (services/applications/catalogue.py) and of ids.
TYPE_ID = re.compile(r"[a-z0-9-]{1,64}")
RECORD_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def _page(template: str, **context: Any) -> Response:
    response = Response(render_template(template, **context))
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.get("/")
def portal():
    return _page("portal.html", current="/")


@bp.get("/tablet/")
def tablet():
    return _page("tablet.html")


@bp.get("/tablet/sw.js")
def tablet_service_worker():
    """The tablet's service worker, from the path it controls (/tablet/) so its scope covers
    the app; never cached by HTTP, so a new version is picked up on the next visit."""
    response = send_from_directory(
        f"{current_app.static_folder}/tablet", "sw.js", mimetype="text/javascript", max_age=0
    )
    response.headers.update(SECURITY_HEADERS)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/tablet/"
    return response


@bp.get("/ansoeg/")
def apply_choose():
    return _page("apply_choose.html", script="choose.js", current="/ansoeg/")


@bp.get("/ansoeg/<type_id>/")
def apply_form(type_id: str):
    if not TYPE_ID.fullmatch(type_id):
        abort(404)
    return _page("apply_form.html", script="apply.js", type_id=type_id, current="/ansoeg/")


@bp.get("/mine-sager/")
def my_cases():
    return _page("my_cases.html", script="cases.js", current="/mine-sager/")


@bp.get("/samtykker/")
def my_consents():
    return _page("consents.html", script="consents.js", current="/samtykker/")


@bp.get("/aftaler/")
def my_appointments():
    return _page("appointments.html", script="appointments.js", current="/aftaler/")


@bp.get("/workspace/")
def workspace():
    """The caseworker workspace: the queue and the case page (static/workspace/app.js)."""
    response = _page("workspace.html")
    response.headers["Content-Security-Policy"] = WORKSPACE_CSP
    return response


@bp.get("/mine-sager/<application_id>/")
def case_page(application_id: str):
    if not RECORD_ID.fullmatch(application_id):
        abort(404)
    return _page(
        "portal_page.html",
        script="case.js",
        current="/mine-sager/",
        title="Min sag",
        record_id=application_id,
    )


@bp.get("/beskeder/")
def my_messages():
    return _page("portal_page.html", script="messages.js", current="/beskeder/", title="Beskeder")


@bp.get("/indstillinger/")
def my_settings():
    return _page(
        "portal_page.html", script="settings.js", current="/indstillinger/", title="Indstillinger"
    )


@bp.get("/fuldmagter/")
def my_proxies():
    return _page(
        "portal_page.html", script="proxies.js", current="/fuldmagter/", title="Fuldmagter"
    )


@bp.get("/hvem-har-set-mine-data/")
def my_access_log():
    return _page(
        "portal_page.html",
        script="access.js",
        current="/hvem-har-set-mine-data/",
        title="Hvem har set mine data",
    )
