"""The consents service's answers for other services, never routed by the gateway: may the
caller act for a citizen now (proxy authority), and is a consent in force for a fetch now."""

from __future__ import annotations

import os

from flask import Blueprint, current_app, jsonify, request

from kit.auth import CITIZEN, Principal, Unauthenticated, verify_delegated
from kit.web import parse
from services.consents.api import register
from services.consents.api_schemas import AuthorityQuerySchema, CheckSchema

internal = Blueprint("consents_internal", __name__, url_prefix="/internal")
# Whose tokens may ask: the services that act under a proxy, each with its own audience.
AUTHORITY_AUDIENCES = os.environ.get("SB_AUTHORITY_AUDIENCES", "selvbetjening/applications").split(
    ","
)


def delegated_principal() -> Principal:
    """The caller a service passes on: its own internal token, minted by the gateway for one
    of AUTHORITY_AUDIENCES. Only for the narrow questions below, about that caller."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthenticated(code="auth.token_missing")
    token = header[len("Bearer ") :].strip()
    for audience in AUTHORITY_AUDIENCES:
        try:
            return verify_delegated(current_app, token, audience.strip())
        except Unauthenticated:
            continue
    raise Unauthenticated(code="auth.token_invalid")


@internal.get("/proxy-authority")
def proxy_authority():
    """May the caller (the token's subject, as agent) act for ?citizen_id= with ?scope= now?

    The applications service asks this before a write under a proxy, passing on the caller's
    own token (minted for it by the gateway); the answer concerns that caller only. Not under
    /api/, so the gateway never routes it; consents never calls back, so no wait cycle.
    """
    principal = delegated_principal()
    if principal.kind != CITIZEN:
        raise Unauthenticated(code="auth.token_invalid")
    query = parse(AuthorityQuerySchema(), request.args.to_dict())
    return jsonify(
        register().confirm_authority(principal, str(query["citizen_id"]), query["scope"])
    )


@internal.post("/consent-checks")
def consent_check():
    """Is a consent in force now that covers this fetch (citizen, purpose, case, data, source)?

    The applications service asks this before and after it fetches data under a consent, with
    its caller's token; answered from the register and logged as a check, like /api/consents/
    checks (docs/decisions/0018-consent-fetches-confirmed.md). Not routed by the gateway.
    """
    return jsonify(register().confirm_consent(delegated_principal(), parse(CheckSchema())))
