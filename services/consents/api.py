"""HTTP API of the consents service: parse, call the use case, answer. Nothing more."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from marshmallow import Schema, ValidationError

from kit.auth import CITIZEN, MACHINE, STAFF, current_principal, requires
from kit.errors import Problem
from services.consents import views
from services.consents.api_schemas import (
    CheckSchema,
    ForCitizenSchema,
    GiveConsentSchema,
    GuardianshipSchema,
    PowerOfAttorneySchema,
)
from services.consents.services import REGISTRAR, Register

bp = Blueprint("consents", __name__, url_prefix="/api/consents")

COLLECTORS = ("caseworker", "homecare")  # staff roles that may collect and read consents
CHECK_SCOPE = "consents:check"


class InvalidBody(Problem):
    status = 422
    code = "request.invalid_body"
    title_da = "Oplysningerne er ikke gyldige"
    title_en = "The submitted data is not valid"


def register() -> Register:
    return current_app.extensions["consents.register"]


def parse(schema: Schema, data: Any = None) -> dict[str, Any]:
    try:
        return schema.load((request.get_json(silent=True) or {}) if data is None else data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        raise InvalidBody("Ret de markerede felter.", "Correct the marked fields.",
                          field=next(iter(messages), None), extra={"errors": messages})


def for_citizen() -> str | None:
    return parse(ForCitizenSchema(), request.args.to_dict())["citizen_id"]


@bp.get("/purposes")
@requires(kinds=(CITIZEN, STAFF, MACHINE))
def purposes():
    return jsonify(purposes=views.purposes())


@bp.post("/consents")
@requires(kinds=(CITIZEN, STAFF), roles=COLLECTORS)
def give_consent():
    body, created = register().give_consent(current_principal(), parse(GiveConsentSchema()))
    return jsonify(body), 201 if created else 200


@bp.get("/consents")
@requires(kinds=(CITIZEN, STAFF), roles=COLLECTORS)
def list_consents():
    return jsonify(consents=register().consents_of(current_principal(), for_citizen()))


@bp.get("/consents/<uuid:consent_id>")
@requires(kinds=(CITIZEN, STAFF), roles=COLLECTORS)
def show_consent(consent_id):
    return jsonify(register().consent(current_principal(), str(consent_id)))


@bp.post("/consents/<uuid:consent_id>/withdrawal")
@requires(kinds=(CITIZEN, STAFF), roles=COLLECTORS)
def withdraw_consent(consent_id):
    return jsonify(register().withdraw_consent(current_principal(), str(consent_id)))


@bp.post("/checks")
@requires(kinds=(MACHINE, STAFF), scopes=(CHECK_SCOPE,))
def check():
    return jsonify(register().check(current_principal(), parse(CheckSchema())))


@bp.get("/export")
@requires(kinds=(CITIZEN,))
def export():
    response = jsonify(register().export(current_principal(), for_citizen()))
    response.headers["Content-Disposition"] = 'attachment; filename="samtykker.json"'
    return response


@bp.post("/proxies")
@requires(kinds=(CITIZEN,))
def grant_power_of_attorney():
    body = parse(PowerOfAttorneySchema())
    return jsonify(register().grant_power_of_attorney(current_principal(), body)), 201


@bp.post("/guardianships")
@requires(kinds=(STAFF,), roles=(REGISTRAR,))
def register_guardianship():
    body = parse(GuardianshipSchema())
    return jsonify(register().register_guardianship(current_principal(), body)), 201


@bp.get("/proxies")
@requires(kinds=(CITIZEN, STAFF), roles=(REGISTRAR,))
def list_proxies():
    return jsonify(register().proxies_of(current_principal(), for_citizen()))


@bp.get("/proxies/<uuid:proxy_id>")
@requires(kinds=(CITIZEN, STAFF), roles=(REGISTRAR,))
def show_proxy(proxy_id):
    return jsonify(register().proxy(current_principal(), str(proxy_id)))


@bp.post("/proxies/<uuid:proxy_id>/revocation")
@requires(kinds=(CITIZEN, STAFF), roles=(REGISTRAR,))
def revoke_proxy(proxy_id):
    return jsonify(register().revoke_proxy(current_principal(), str(proxy_id)))
