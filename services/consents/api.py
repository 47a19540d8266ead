"""HTTP API of the consents service: parse, call the use case, answer. Nothing more."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from kit.auth import (
    CITIZEN,
    MACHINE,
    STAFF,
    current_principal,
    requires,
)
from kit.break_glass import BreakGlassSchema
from kit.openapi import documented
from kit.web import parse
from services.consents import views
from services.consents.api_schemas import (
    CheckOut,
    CheckSchema,
    ConsentListOut,
    ConsentOut,
    ExportOut,
    ForCitizenSchema,
    GiveConsentSchema,
    GuardianshipSchema,
    PowerOfAttorneySchema,
    ProxiesOut,
    ProxyOut,
    PurposesOut,
    RecordedConsentOut,
)
from services.consents.services import REGISTRAR, Register

bp = Blueprint("consents", __name__, url_prefix="/api/consents")

COLLECTORS = ("caseworker", "homecare")  # staff roles that may collect and read consents
CHECK_SCOPE = "consents:check"
FOR_CITIZEN = "Proxies and staff name the citizen: ?citizen_id=<person UUID>."
ACTING_FOR = [
    "auth.assurance_too_low",
    "auth.wrong_kind_of_caller",
    "auth.missing_role",
    "proxy.no_authority",
    "proxy.authority_expired",
]
CONSENT_REFUSALS = [
    "consent.blanket_data",
    "consent.blanket_sources",
    "consent.unknown_purpose",
    "consent.unknown_text_version",
    "consent.not_in_text",
    "consent.invalid_expiry",
    "consent.device_required",
    "consent.note_required",
    "consent.given_at_not_allowed",
    "consent.given_in_future",
    "consent.channel_not_allowed",
    "consent.citizen_required",
    "consent.case_required",
    "request.invalid_body",
]
PROXY_REFUSALS = [
    "proxy.self_grant",
    "proxy.invalid_scopes",
    "proxy.end_required",
    "proxy.invalid_period",
    "request.invalid_body",
]


def register() -> Register:
    return current_app.extensions["consents.register"]


def for_citizen() -> str | None:
    return parse(ForCitizenSchema(), request.args.to_dict())["citizen_id"]


@bp.get("/purposes")
@documented(
    summary="Purposes and every version of their consent texts (Danish, English)",
    tags=["texts"],
    response=PurposesOut,
)
@requires(kinds=(CITIZEN, STAFF, MACHINE))
def purposes():
    return jsonify(purposes=views.purposes())


@bp.post("/consents")
@documented(
    summary="Give a consent (citizen, proxy, or staff collecting it)",
    tags=["consents"],
    body=GiveConsentSchema,
    response=RecordedConsentOut,
    status=201,
    description="201 when recorded, 200 when a tablet sends the same consent_id again. "
    "An offline consent that a later decision overrides is recorded with "
    "status `superseded` and the warning `consent.superseded_on_arrival`.",
    errors={403: ACTING_FOR, 409: ["consent.id_conflict"], 422: CONSENT_REFUSALS},
    request_example={
        "purpose": "home_care_assessment",
        "case_ref": "sag-1",
        "data_categories": ["health"],
        "sources": ["hospital"],
        "text_version": "2",
    },
)
@requires(kinds=(CITIZEN, STAFF), roles=COLLECTORS)
def give_consent():
    body, created = register().give_consent(current_principal(), parse(GiveConsentSchema()))
    return jsonify(body), 201 if created else 200


@bp.get("/consents")
@documented(
    summary="A citizen's consents with their status",
    tags=["consents"],
    response=ConsentListOut,
    description=FOR_CITIZEN,
    errors={403: ACTING_FOR},
)
@requires(kinds=(CITIZEN, STAFF), roles=COLLECTORS)
def list_consents():
    return jsonify(consents=register().consents_of(current_principal(), for_citizen()))


@bp.get("/consents/<consent_id>")
@documented(
    summary="One consent, with the text the citizen was shown",
    tags=["consents"],
    response=ConsentOut,
    errors={403: ACTING_FOR, 404: ["consent.not_found"]},
)
@requires(kinds=(CITIZEN, STAFF), roles=COLLECTORS)
def show_consent(consent_id: str):
    return jsonify(register().consent(current_principal(), consent_id))


@bp.post("/consents/<consent_id>/withdrawal")
@documented(
    summary="Withdraw a consent, effective at once",
    tags=["consents"],
    response=ConsentOut,
    errors={403: ACTING_FOR, 404: ["consent.not_found"], 409: ["consent.not_active"]},
)
@requires(kinds=(CITIZEN, STAFF), roles=COLLECTORS)
def withdraw_consent(consent_id: str):
    return jsonify(register().withdraw_consent(current_principal(), consent_id))


@bp.post("/checks")
@documented(
    summary="May this use of the citizen's data happen now? (logged)",
    tags=["checks"],
    body=CheckSchema,
    response=CheckOut,
    security=[CHECK_SCOPE],
    description="Staff ask only about citizens they are related to (a visit today, the "
    "citizen's case; docs/decisions/0016); case systems (scope consents:check) about anyone.",
    errors={
        403: ["auth.wrong_kind_of_caller", "auth.missing_scope", "consent.read_only"],
        404: ["consent.citizen_not_found"],
        422: ["request.invalid_body"],
    },
    request_example={
        "citizen_id": "5b0b8a8e-0c1e-4d6a-9b1e-3f0f8d1c2a77",
        "purpose": "home_care_assessment",
        "case_ref": "sag-1",
        "data_categories": ["health"],
        "source": "hospital",
    },
)
@requires(kinds=(MACHINE, STAFF), scopes=(CHECK_SCOPE,), roles=("caseworker", "social_worker"))
def check():
    return jsonify(register().check(current_principal(), parse(CheckSchema())))


@bp.post("/break-glass")
@documented(
    summary="Open a citizen's consents outside your relations, with a stated reason "
    "(read only, time-limited, audited, shown to the citizen)",
    tags=["consents"],
    body=BreakGlassSchema,
    errors={403: ["auth.wrong_kind_of_caller"], 422: ["break_glass.reason_required"]},
)
@requires(kinds=(STAFF,))
def break_glass():
    body = parse(BreakGlassSchema())
    return jsonify(
        register().break_glass(current_principal(), str(body["citizen_id"]), body["reason"])
    )


@bp.get("/export")
@documented(
    summary="Everything recorded about the citizen's consents and proxies",
    tags=["consents"],
    response=ExportOut,
    description=FOR_CITIZEN,
    errors={403: ACTING_FOR},
)
@requires(kinds=(CITIZEN,))
def export():
    response = jsonify(register().export(current_principal(), for_citizen()))
    response.headers["Content-Disposition"] = 'attachment; filename="samtykker.json"'
    return response


@bp.post("/proxies")
@documented(
    summary="Grant a power of attorney to a named person",
    tags=["proxies"],
    body=PowerOfAttorneySchema,
    response=ProxyOut,
    status=201,
    errors={403: ["auth.assurance_too_low", "auth.wrong_kind_of_caller"], 422: PROXY_REFUSALS},
)
@requires(kinds=(CITIZEN,))
def grant_power_of_attorney():
    body = parse(PowerOfAttorneySchema())
    return jsonify(register().grant_power_of_attorney(current_principal(), body)), 201


@bp.post("/guardianships")
@documented(
    summary="Register a guardianship (staff, with the court decision)",
    tags=["proxies"],
    body=GuardianshipSchema,
    response=ProxyOut,
    status=201,
    errors={
        403: ["auth.wrong_kind_of_caller", "auth.missing_role"],
        422: [*PROXY_REFUSALS, "proxy.court_reference_required"],
    },
)
@requires(kinds=(STAFF,), roles=(REGISTRAR,))
def register_guardianship():
    body = parse(GuardianshipSchema())
    return jsonify(register().register_guardianship(current_principal(), body)), 201


@bp.get("/proxies")
@documented(
    summary="Proxies the citizen granted and holds",
    tags=["proxies"],
    response=ProxiesOut,
    description=FOR_CITIZEN,
    errors={403: ACTING_FOR, 422: ["consent.citizen_required"]},
)
@requires(kinds=(CITIZEN, STAFF), roles=(REGISTRAR,))
def list_proxies():
    return jsonify(register().proxies_of(current_principal(), for_citizen()))


@bp.get("/proxies/<proxy_id>")
@documented(
    summary="One proxy (for the citizen, the agent or a registrar)",
    tags=["proxies"],
    response=ProxyOut,
    errors={404: ["proxy.not_found"]},
)
@requires(kinds=(CITIZEN, STAFF), roles=(REGISTRAR,))
def show_proxy(proxy_id: str):
    return jsonify(register().proxy(current_principal(), proxy_id))


@bp.post("/proxies/<proxy_id>/revocation")
@documented(
    summary="Revoke a proxy, effective at once",
    tags=["proxies"],
    response=ProxyOut,
    errors={403: ["proxy.revoke_not_allowed"], 404: ["proxy.not_found"], 409: ["proxy.not_active"]},
)
@requires(kinds=(CITIZEN, STAFF), roles=(REGISTRAR,))
def revoke_proxy(proxy_id: str):
    return jsonify(register().revoke_proxy(current_principal(), proxy_id))


def openapi_document(app) -> dict:
    from kit.openapi import build_openapi

    return build_openapi(
        app,
        title="Selvbetjening – consents",
        version="1.0.0",
        description="Consents (retssikkerhedsloven § 11 a, GDPR art. 7), "
        "powers of attorney and guardianship, and the check "
        "other services ask before they use a citizen's data.",
    )
