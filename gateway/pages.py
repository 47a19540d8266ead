"""The pages the gateway serves to browsers: the citizen portal and the staff tablet app."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

bp = Blueprint("pages", __name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


def _page(template: str) -> Response:
    response = Response(render_template(template))
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.get("/")
def portal():
    return _page("portal.html")


@bp.get("/tablet/")
def tablet():
    return _page("tablet.html")
