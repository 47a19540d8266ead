"""One error shape for every HTTP API: RFC 9457 problem details with a stable code.

Domain code raises `Problem` subclasses (or `Problem` itself); the one handler per app renders
them in the request's language (Danish first, English when the client asks for it).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    status = 400
    code = "request.invalid"
    title_da = "Forespørgslen er ugyldig"
    title_en = "The request is invalid"

    def __init__(
        self,
        detail_da: str = "",
        detail_en: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail_en or detail_da or self.title_en)
        self.detail_da = detail_da
        self.detail_en = detail_en
        if code:
            self.code = code
        if status:
            self.status = status
        self.field = field
        self.extra = extra or {}


# Texts for HTTP errors that come from the framework, not from our code.
_HTTP_TEXTS = {
    400: (
        "request.bad_request",
        "Forespørgslen kunne ikke forstås",
        "The request could not be understood",
    ),
    401: ("auth.unauthenticated", "Du skal logge ind", "You must log in"),
    403: ("auth.forbidden", "Du har ikke adgang til dette", "You do not have access to this"),
    404: (
        "request.not_found",
        "Siden eller ressourcen findes ikke",
        "The page or resource does not exist",
    ),
    405: (
        "request.method_not_allowed",
        "Metoden er ikke tilladt her",
        "The method is not allowed here",
    ),
    413: ("request.too_large", "Forespørgslen er for stor", "The request is too large"),
    415: (
        "request.unsupported_media_type",
        "Formatet understøttes ikke",
        "The format is not supported",
    ),
    429: (
        "request.rate_limited",
        "For mange forespørgsler. Prøv igen om lidt",
        "Too many requests. Try again shortly",
    ),
    500: (
        "server.error",
        "Der skete en fejl hos os. Prøv igen senere",
        "Something went wrong on our side. Try again later",
    ),
    503: (
        "server.unavailable",
        "Tjenesten er ikke klar. Prøv igen om lidt",
        "The service is not ready. Try again shortly",
    ),
}


def prefers_english() -> bool:
    best = request.accept_languages.best_match(["da", "en"]) if request else None
    return best == "en"


def problem_response(
    status: int,
    code: str,
    title_da: str,
    title_en: str,
    detail_da: str = "",
    detail_en: str = "",
    field: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    english = prefers_english()
    body: dict[str, Any] = {
        "type": f"urn:selvbetjening:problem:{code}",
        "status": status,
        "code": code,
        "title": title_en if english else title_da,
    }
    detail = (detail_en or detail_da) if english else (detail_da or detail_en)
    if detail:
        body["detail"] = detail
    if field:
        body["field"] = field
    body.update(extra or {})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def register_errors(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(error: Problem):
        return problem_response(
            error.status,
            error.code,
            error.title_da,
            error.title_en,
            error.detail_da,
            error.detail_en,
            error.field,
            error.extra,
        )

    @app.errorhandler(ValidationError)
    def _invalid_body(error: ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
        first = next(iter(messages), None)
        return problem_response(
            422,
            "request.invalid_body",
            "Oplysningerne er ikke gyldige",
            "The submitted data is not valid",
            "Ret de markerede felter.",
            "Correct the marked fields.",
            field=first if first != "_" else None,
            extra={"errors": messages},
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        code, title_da, title_en = _HTTP_TEXTS.get(
            status, _HTTP_TEXTS[500 if status >= 500 else 400]
        )
        return problem_response(status, code, title_da, title_en)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        code, title_da, title_en = _HTTP_TEXTS[500]
        return problem_response(500, code, title_da, title_en)
