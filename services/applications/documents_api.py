"""HTTP API of an application's documents: the citizen's attachments, the case file's
documents and their content, and documents a case system registers."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, jsonify, request, send_file

from kit.auth import current_principal, requires
from kit.errors import Problem
from kit.openapi import documented
from kit.web import accepts_upload, parse
from services.applications.api import service
from services.applications.api_schemas import CaseDocumentSchema, DocumentOut
from services.applications.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_TITLE_CHARS,
    content_disposition,
    safe_filename,
)

bp = Blueprint("application_documents", __name__, url_prefix="/api/applications")


@bp.get("/<application_id>/documents")
@documented(
    summary="Documents: attachments, letters (internal notes only for staff)",
    tags=["case"],
    response=DocumentOut(many=True),
)
def documents(application_id: str):
    return jsonify(service().documents(current_principal(), application_id))


@bp.post("/<application_id>/attachments")
@documented(
    summary="Attach a file the application asks for (max 10 MB; PDF, JPEG, PNG, HEIC, DOCX)",
    tags=["drafts"],
    body="multipart",
    response=DocumentOut,
    status=201,
    errors={
        422: [
            "application.attachment_type",
            "application.attachment_too_large",
            "application.unknown_attachment",
        ]
    },
)
@accepts_upload(MAX_ATTACHMENT_BYTES)
def add_attachment(application_id: str):
    upload = request.files.get("file")
    if upload is None:
        raise Problem(
            "Vælg en fil.",
            "Choose a file.",
            code="application.attachment_missing",
            status=422,
            field="file",
        )
    filename = safe_filename(upload.filename or "")
    title = request.form.get("title", "").strip() or filename
    if len(title) > MAX_TITLE_CHARS:
        raise Problem(
            f"Titlen må højst have {MAX_TITLE_CHARS} tegn.",
            f"The title may have at most {MAX_TITLE_CHARS} characters.",
            code="application.field_too_long",
            status=422,
            field="title",
        )
    document = service().add_attachment(
        current_principal(),
        application_id,
        request.form.get("requirement", "")[:100],
        title,
        filename,
        upload.mimetype or "",
        upload.read(),
    )
    return jsonify(document), 201


@bp.get("/<application_id>/documents/<document_id>/content")
@documented(
    summary="Download a document's content",
    tags=["case"],
    errors={404: ["application.document_not_found"]},
)
def document_content(application_id: str, document_id: str):
    document = service().document_content(current_principal(), application_id, document_id)
    response = send_file(
        BytesIO(document["content"]),
        mimetype=document["content_type"] or "application/octet-stream",
    )
    # Also for names stored before they were made safe: the header never carries a raw one.
    response.headers["Content-Disposition"] = content_disposition(document["filename"] or "")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<application_id>/documents")
@documented(
    summary="Case system: register a document (title, direction, date)",
    tags=["integration"],
    body=CaseDocumentSchema,
    response=DocumentOut,
    status=201,
    security=["applications:case"],
    request_example={
        "title": "Brev om partshøring",
        "direction": "outgoing",
        "document_date": "2026-11-23",
    },
)
@requires(kinds=("machine", "staff"), scopes=("applications:case",), roles=("caseworker",))
def add_case_document(application_id: str):
    body = parse(CaseDocumentSchema())
    return jsonify(
        service().add_case_document(
            current_principal(),
            application_id,
            body["title"],
            body["direction"],
            body["document_date"],
        )
    ), 201
