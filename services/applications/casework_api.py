"""HTTP API of casework: the queue, the case file, break-glass, the organisation (units,
members, caseloads) an administrator keeps, and the case actions of the integration API."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from kit.auth import current_principal, requires
from kit.openapi import documented
from kit.request_schemas import StrictSchema as _Strict
from kit.web import parse
from services.applications.api import respond, service
from services.applications.api_schemas import ApplicationOut, CaseActionSchema

bp = Blueprint("casework", __name__, url_prefix="/api/applications")
STAFF_ONLY = ("staff",)


class QueueQuery(_Strict):
    state = fields.List(fields.String(), load_default=None)
    type = fields.String(load_default=None)
    assignee = fields.String(
        load_default=None,
        metadata={"description": "me, none (unclaimed) or a caseworker's id"},
    )
    older_than_days = fields.Integer(load_default=None, validate=validate.Range(min=1))
    after = fields.String(load_default=None, metadata={"description": "the previous page's next"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class QueueOut(Schema):
    items = fields.List(fields.Dict())
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
    next = fields.String(allow_none=True)


class BreakGlassSchema(_Strict):
    case_number = fields.String(required=True, validate=validate.Length(min=1, max=50))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class UnitSchema(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class CaseloadSchema(_Strict):
    type_id = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    citizen_id = fields.UUID(load_default=None)


@bp.get("/queue")
@documented(
    summary="The caseworker's queue: cases of the unit's caseload or assigned, oldest first",
    tags=["casework"],
    response=QueueOut,
    description="Filter with ?state=submitted&state=under_review, ?type=, ?assignee=me|none|id, "
    "?older_than_days=; page with ?after=<next>.",
)
@requires(kinds=STAFF_ONLY, roles=("caseworker",))
def queue():
    args = parse(
        QueueQuery(), {**request.args.to_dict(), "state": request.args.getlist("state") or None}
    )
    return jsonify(
        service().queue(
            current_principal(),
            states=args["state"],
            type_id=args["type"],
            assignee=args["assignee"],
            older_than_days=args["older_than_days"],
            after=args["after"],
            limit=args["limit"],
        )
    )


@bp.get("/<application_id>/case-file")
@documented(
    summary="The case file: payments, internal notes, the citizen's consents, fetched data",
    tags=["casework"],
    errors={404: ["application.not_found"]},
)
@requires(kinds=STAFF_ONLY + ("machine",), scopes=("applications:case",), roles=("caseworker",))
def case_file(application_id: str):
    return jsonify(service().case_file(current_principal(), application_id))


@bp.post("/break-glass")
@documented(
    summary="Open a case outside your relations, with a stated reason (read only, audited)",
    tags=["casework"],
    body=BreakGlassSchema,
    errors={
        404: ["application.not_found"],
        422: ["application.break_glass_reason_required", "request.invalid_body"],
    },
)
@requires(kinds=STAFF_ONLY)
def break_glass():
    body = parse(BreakGlassSchema())
    return jsonify(service().break_glass(current_principal(), body["case_number"], body["reason"]))


# -- the organisation (role admin) ------------------------------------------------------------

ORGANISATION = "/organisation/units"


@bp.get(ORGANISATION)
@documented(summary="Units, their members and caseloads", tags=["organisation"])
@requires(kinds=STAFF_ONLY, roles=("admin",))
def units():
    return jsonify(service().units(current_principal()))


@bp.put(ORGANISATION + "/<unit_id>")
@documented(summary="Create or rename a unit", tags=["organisation"], body=UnitSchema)
@requires(kinds=STAFF_ONLY, roles=("admin",))
def save_unit(unit_id: str):
    body = parse(UnitSchema())
    return jsonify(service().save_unit(current_principal(), unit_id, body["name"]))


@bp.put(ORGANISATION + "/<unit_id>/members/<staff_id>")
@documented(summary="Make a staff member a member of the unit", tags=["organisation"])
@requires(kinds=STAFF_ONLY, roles=("admin",))
def add_member(unit_id: str, staff_id: str):
    return jsonify(service().add_member(current_principal(), unit_id, staff_id))


@bp.delete(ORGANISATION + "/<unit_id>/members/<staff_id>")
@documented(summary="Take a staff member out of the unit", tags=["organisation"])
@requires(kinds=STAFF_ONLY, roles=("admin",))
def remove_member(unit_id: str, staff_id: str):
    return jsonify(service().remove_member(current_principal(), unit_id, staff_id))


@bp.post(ORGANISATION + "/<unit_id>/caseload")
@documented(
    summary="The unit handles a type of application, or one citizen's cases",
    tags=["organisation"],
    body=CaseloadSchema,
    errors={422: ["unit.caseload_invalid", "application.unknown_type"]},
)
@requires(kinds=STAFF_ONLY, roles=("admin",))
def add_caseload(unit_id: str):
    body = parse(CaseloadSchema())
    citizen = str(body["citizen_id"]) if body["citizen_id"] else None
    return jsonify(service().add_caseload(current_principal(), unit_id, body["type_id"], citizen))


@bp.delete(ORGANISATION + "/<unit_id>/caseload/<caseload_id>")
@documented(summary="The unit no longer handles this", tags=["organisation"])
@requires(kinds=STAFF_ONLY, roles=("admin",))
def remove_caseload(unit_id: str, caseload_id: str):
    return jsonify(service().remove_caseload(current_principal(), unit_id, caseload_id))


# -- integration API for case systems (client credentials with scopes) or caseworkers ----------


@bp.post("/<application_id>/case-actions")
@documented(
    summary="Case system: move the case (review, request information, decide, pay, close)",
    tags=["integration"],
    body=CaseActionSchema,
    response=ApplicationOut,
    security=["applications:case"],
    errors={
        403: ["auth.missing_scope"],
        409: ["application.illegal_transition", "application.payment_not_due"],
        422: ["request.invalid_body", "application.deadline_in_past"],
    },
    request_example={
        "action": "decide",
        "outcome": "granted",
        "letter_title": "Afgørelse om hjælp til enkeltudgifter",
    },
)
@requires(kinds=("machine", "staff"), scopes=("applications:case",), roles=("caseworker",))
def case_action(application_id: str):
    body = parse(CaseActionSchema())
    return respond(
        service().case_action(current_principal(), application_id, body.pop("action"), body)
    )
