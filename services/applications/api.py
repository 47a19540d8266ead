"""HTTP API of the applications service: parse, call the use case, answer. Nothing more."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, jsonify, request

from kit.auth import current_principal
from kit.errors import Problem
from kit.openapi import documented
from kit.web import parse
from services.applications.api_schemas import (
    AnswersSchema,
    ApplicationOut,
    ChecksOut,
    CreateApplicationSchema,
    HistoryOut,
    SubmitSchema,
    WithdrawSchema,
)
from services.applications.attachments import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
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
    return Idempotency.of(
        current_principal(), request.headers.get("Idempotency-Key"), operation, request.get_data()
    )


@bp.get("/types")
@documented(summary="The application types citizens can apply for", tags=["catalogue"])
def list_types():
    return jsonify(
        [
            {"id": t.id, "title": t.title, "summary": t.definition["summary"]}
            for t in service().catalogue
        ]
    )


@bp.get("/types/<type_id>")
@documented(
    summary="One type's form, attachments, guidance rules and status texts",
    tags=["catalogue"],
    errors={404: ["application.unknown_type"]},
    description="`attachment_rules` says which files an attachment may be (types, size), so a "
    "form can refuse a file before it is sent (the tablet does, offline).",
)
def get_type(type_id: str):
    rules = {"content_types": sorted(ATTACHMENT_TYPES), "max_bytes": MAX_ATTACHMENT_BYTES}
    return jsonify({**service().app_type(type_id).definition, "attachment_rules": rules})


@bp.post("")
@documented(
    summary="Start an application (a draft)",
    tags=["drafts"],
    body=CreateApplicationSchema,
    response=ApplicationOut,
    status=201,
    headers={"Idempotency-Key": "Retry safely: the same key gives the same draft"},
    errors={
        403: ["auth.assurance_too_low", "application.forbidden"],
        422: [
            "application.unknown_type",
            "application.unknown_field",
            "application.field_too_long",
            "application.field_invalid",
            "request.invalid_body",
            "request.idempotency_key_reused",
        ],
    },
    request_example={"type": "enkeltudgifter", "answers": {"household": "single"}},
)
def create_application():
    body = parse(CreateApplicationSchema())
    citizen_id = str(body["citizen_id"]) if body["citizen_id"] else None
    return respond(
        service().create_draft(
            current_principal(), body["type"], citizen_id, body["answers"], idempotency("create")
        )
    )


@bp.get("")
@documented(
    summary="Applications of the caller (and of those they represent)",
    tags=["drafts"],
    response=ApplicationOut(many=True),
    description="Staff and case systems name the citizen: ?citizen_id=<person UUID>.",
)
def list_applications():
    return jsonify(service().list_for(current_principal(), citizen_query()))


def citizen_query() -> str | None:
    """?citizen_id= must be a person UUID: a CPR number typed here would end up in URLs."""
    value = request.args.get("citizen_id")
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Problem(
            "Angiv borgeren med sit UUID, aldrig et CPR-nummer.",
            "Name the citizen by their UUID, never a CPR number.",
            code="application.citizen_id_invalid",
            status=422,
            field="citizen_id",
        )


@bp.get("/<application_id>")
@documented(
    summary="One application (ETag carries its version)",
    tags=["drafts"],
    response=ApplicationOut,
    errors={404: ["application.not_found"]},
)
def get_application(application_id: str):
    return respond(service().get(current_principal(), application_id))


@bp.patch("/<application_id>/answers")
@documented(
    summary="Save answers, field by field",
    tags=["drafts"],
    body=AnswersSchema,
    response=ApplicationOut,
    headers={"If-Match": "Required: the ETag you last saw"},
    errors={
        409: ["application.not_editable"],
        412: ["application.version_conflict"],
        428: ["request.if_match_required"],
        422: [
            "application.unknown_field",
            "application.field_too_long",
            "application.field_invalid",
        ],
    },
)
def save_answers(application_id: str):
    body = parse(AnswersSchema())
    version = if_match(required=True)
    assert version is not None
    return respond(
        service().save_answers(current_principal(), application_id, body["answers"], version)
    )


@bp.get("/<application_id>/checks")
@documented(
    summary="Guidance: errors, warnings and hints for the current answers",
    tags=["drafts"],
    response=ChecksOut,
)
def checks(application_id: str):
    return jsonify(service().checks(current_principal(), application_id))


@bp.post("/<application_id>/submit")
@documented(
    summary="Submit (or, when information was requested, send it back)",
    tags=["drafts"],
    body=SubmitSchema,
    response=ApplicationOut,
    headers={"Idempotency-Key": "Retry safely", "If-Match": "Optional version check"},
    errors={
        409: ["application.illegal_transition"],
        422: ["application.cannot_submit", "application.citizen_confirmation_required"],
        412: ["application.version_conflict"],
    },
)
def submit(application_id: str):
    body = parse(SubmitSchema())
    return respond(
        service().submit(
            current_principal(),
            application_id,
            if_match(required=False),
            idempotency(f"submit:{application_id}"),
            body["citizen_confirmed_at"],
            body["message"],
        )
    )


@bp.post("/<application_id>/withdraw")
@documented(
    summary="Withdraw the application (before the decision)",
    tags=["drafts"],
    body=WithdrawSchema,
    response=ApplicationOut,
    errors={409: ["application.illegal_transition"]},
)
def withdraw(application_id: str):
    body = parse(WithdrawSchema())
    return respond(service().withdraw(current_principal(), application_id, body["reason"]))


@bp.get("/<application_id>/history")
@documented(summary="Who did what, when and why", tags=["case"], response=HistoryOut(many=True))
def history(application_id: str):
    return jsonify(service().history(current_principal(), application_id))


@bp.post("/<application_id>/fetches/<fetch_id>")
@documented(
    summary="Fetch data from another authority, with the citizen's consent",
    tags=["drafts"],
    response=ApplicationOut,
    errors={
        403: ["application.consent_missing", "application.consent_not_confirmed"],
        409: ["application.consent_withdrawn"],
        503: ["application.data_source_unavailable", "application.consent_register_unavailable"],
    },
)
def fetch_data(application_id: str, fetch_id: str):
    return respond(service().fetch_data(current_principal(), application_id, fetch_id))


def openapi_document(app) -> dict:
    from kit.openapi import build_openapi

    return build_openapi(
        app,
        title="Selvbetjening – applications",
        version="1.0.0",
        description="Guided applications, drafts, co-service and the case "
        "lifecycle; the integration API for case systems.",
    )
