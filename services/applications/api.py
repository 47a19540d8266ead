"""HTTP API of the applications service: parse, call the use case, answer. Nothing more."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from kit.auth import current_principal, requires
from kit.errors import Problem
from services.applications.api_schemas import (
    AnswersSchema,
    CaseActionSchema,
    CaseDocumentSchema,
    CreateApplicationSchema,
    WithdrawSchema,
)
from services.applications.services import ApplicationsService, Idempotency, Outcome

bp = Blueprint("applications", __name__, url_prefix="/api/applications")


class PreconditionRequired(Problem):
    status = 428
    code = "request.if_match_required"
    title_da = "Send versionen med (If-Match), så ingen ændringer overskrives"
    title_en = "Send the version (If-Match) so that no change is overwritten"


def service() -> ApplicationsService:
    return current_app.extensions["applications"]


def respond(outcome: Outcome) -> Response:
    response = jsonify(outcome.body)
    response.status_code = outcome.status
    response.headers.update(outcome.headers)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def if_match(required: bool) -> int | None:
    value = request.headers.get("If-Match", "").strip()
    if not value:
        if required:
            raise PreconditionRequired()
        return None
    try:
        return int(value.strip('W/"').lstrip("v"))
    except ValueError:
        raise PreconditionRequired(detail_en="If-Match must be an ETag from this API")


def idempotency(operation: str) -> Idempotency | None:
    return Idempotency.of(current_principal(), request.headers.get("Idempotency-Key"),
                          operation, request.get_data())


@bp.get("/types")
def list_types():
    return jsonify([{"id": t.id, "title": t.title, "summary": t.definition["summary"]}
                    for t in service().catalogue])


@bp.get("/types/<type_id>")
def get_type(type_id: str):
    return jsonify(service()._type(type_id).definition)


@bp.post("")
def create_application():
    body = CreateApplicationSchema().load(request.get_json(force=True, silent=False))
    return respond(service().create_draft(current_principal(), body["type"],
                                          body["citizen_id"], body["answers"],
                                          idempotency("create")))


@bp.get("")
def list_applications():
    return jsonify(service().list_for(current_principal(), request.args.get("citizen_id")))


@bp.get("/<application_id>")
def get_application(application_id: str):
    return respond(service().get(current_principal(), application_id))


@bp.patch("/<application_id>/answers")
def save_answers(application_id: str):
    body = AnswersSchema().load(request.get_json(force=True))
    version = if_match(required=True)
    assert version is not None
    return respond(service().save_answers(current_principal(), application_id,
                                          body["answers"], version))


@bp.get("/<application_id>/checks")
def checks(application_id: str):
    return jsonify(service().checks(current_principal(), application_id))


@bp.post("/<application_id>/submit")
def submit(application_id: str):
    return respond(service().submit(current_principal(), application_id,
                                    if_match(required=False),
                                    idempotency(f"submit:{application_id}")))


@bp.post("/<application_id>/withdraw")
def withdraw(application_id: str):
    body = WithdrawSchema().load(request.get_json(silent=True) or {})
    return respond(service().withdraw(current_principal(), application_id, body["reason"]))


@bp.get("/<application_id>/history")
def history(application_id: str):
    return jsonify(service().history(current_principal(), application_id))


@bp.get("/<application_id>/documents")
def documents(application_id: str):
    return jsonify(service().documents(current_principal(), application_id))


@bp.post("/<application_id>/attachments")
def add_attachment(application_id: str):
    upload = request.files.get("file")
    if upload is None:
        raise Problem("Vælg en fil.", "Choose a file.", code="application.attachment_missing",
                      status=422, field="file")
    document = service().add_attachment(
        current_principal(), application_id, request.form.get("requirement", ""),
        request.form.get("title", "") or (upload.filename or ""), upload.filename or "",
        upload.mimetype or "", upload.read())
    return jsonify(document), 201


@bp.get("/<application_id>/documents/<document_id>/content")
def document_content(application_id: str, document_id: str):
    document = service().document_content(current_principal(), application_id, document_id)
    from io import BytesIO

    response = send_file(BytesIO(document["content"]),
                         mimetype=document["content_type"] or "application/octet-stream",
                         as_attachment=True, download_name=document["filename"] or "dokument")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<application_id>/fetches/<fetch_id>")
def fetch_data(application_id: str, fetch_id: str):
    return respond(service().fetch_data(current_principal(), application_id, fetch_id))


# -- integration API for case systems (client credentials with scopes) or caseworkers ----------


@bp.post("/<application_id>/case-actions")
@requires(kinds=("machine", "staff"), scopes=("applications:case",), roles=("caseworker",))
def case_action(application_id: str):
    body = CaseActionSchema().load(request.get_json(force=True))
    return respond(service().case_action(current_principal(), application_id,
                                         body.pop("action"), body))


@bp.post("/<application_id>/documents")
@requires(kinds=("machine", "staff"), scopes=("applications:case",), roles=("caseworker",))
def add_case_document(application_id: str):
    body = CaseDocumentSchema().load(request.get_json(force=True))
    return jsonify(service().add_case_document(current_principal(), application_id,
                                               body["title"], body["direction"],
                                               body["document_date"])), 201
