"""Request shapes of the consents API (marshmallow; also the source for an OpenAPI document).

Citizens are named by their person UUID, never by CPR number: a field that is not a UUID is
refused before it gets anywhere near a log line.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.request_schemas import PersonId
from kit.request_schemas import StrictSchema as _Strict
from schemas.events.consents import CHANNELS, PROXY_SCOPES
from services.consents.domain import LANGUAGES


def _names(**kwargs) -> fields.List:
    kwargs.setdefault("validate", validate.Length(max=20))
    return fields.List(fields.String(validate=validate.Length(min=1, max=100)), **kwargs)


class GiveConsentSchema(_Strict):
    consent_id = PersonId(
        load_default=None,
        metadata={
            "description": "Set by an offline tablet so that sending it again records nothing."
        },
    )
    citizen_id = PersonId(
        load_default=None,
        metadata={"description": "The citizen's person UUID; staff and proxies must name it."},
    )
    purpose = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"example": "home_care_assessment"},
    )
    case_ref = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    data_categories = _names(required=True, metadata={"example": ["health", "medication"]})
    sources = _names(load_default=list, metadata={"example": ["general_practitioner"]})
    recipients = _names(load_default=list)
    text_version = fields.String(required=True, validate=validate.Length(min=1, max=20))
    language = fields.String(load_default="da", validate=validate.OneOf(LANGUAGES))
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    given_at = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "Offline tablets: when the citizen gave it (the device's clock)."},
    )
    expires_at = fields.AwareDateTime(load_default=None)
    device_id = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class CheckSchema(_Strict):
    citizen_id = PersonId(required=True)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data_categories = _names(required=True, validate=validate.Length(min=1, max=20))
    case_ref = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    source = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    recipient = fields.String(load_default=None, validate=validate.Length(min=1, max=100))


class PowerOfAttorneySchema(_Strict):
    agent_id = PersonId(required=True, metadata={"description": "Who may act for you."})
    agent_name = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Their name, as you know them (shown to the two of you)."},
    )
    scopes = fields.List(fields.String(validate=validate.OneOf(PROXY_SCOPES)), required=True)
    valid_from = fields.AwareDateTime(load_default=None)
    valid_until = fields.AwareDateTime(load_default=None)


class GuardianshipSchema(PowerOfAttorneySchema):
    citizen_id = PersonId(required=True, metadata={"description": "The person under guardianship."})
    court_reference = fields.String(
        load_default=None, validate=validate.Length(max=200), metadata={"example": "BS 12-345/2026"}
    )


class ForCitizenSchema(_Strict):
    citizen_id = PersonId(load_default=None)


# Response shapes (documentation only: the service builds them in views.py) ------------------


class DecisionOut(Schema):
    kind = fields.String(metadata={"enum": ["consent", "withdrawal"]})
    id = fields.String()
    at = fields.AwareDateTime()


class TextShownOut(Schema):
    version = fields.String()
    language = fields.String()
    da = fields.String()
    en = fields.String()
    if_no_da = fields.String(metadata={"description": "What follows if the citizen says no."})
    if_no_en = fields.String()


class WarningOut(Schema):
    code = fields.String(metadata={"example": "consent.superseded_on_arrival"})
    da = fields.String()
    en = fields.String()


class ConsentOut(Schema):
    id = fields.String()
    citizen_id = fields.String()
    status = fields.String(metadata={"enum": ["active", "withdrawn", "superseded", "expired"]})
    superseded_by = fields.Nested(DecisionOut, allow_none=True)
    purpose = fields.String()
    case_ref = fields.String(allow_none=True)
    data_categories = fields.List(fields.String())
    sources = fields.List(fields.String())
    recipients = fields.List(fields.String())
    legal_basis = fields.String()
    text = fields.Nested(TextShownOut)
    channel = fields.String(metadata={"enum": list(CHANNELS)})
    given_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    given_by = fields.String()
    attested_by = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()
    recorded_by = fields.String()
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    withdrawn_by = fields.String(allow_none=True)
    expired_at = fields.AwareDateTime(allow_none=True)


class RecordedConsentOut(ConsentOut):
    supersedes = fields.String(
        allow_none=True,
        metadata={"description": "The consent this one replaced for the same purpose and case."},
    )
    warnings = fields.List(fields.Nested(WarningOut))


class ConsentListOut(Schema):
    consents = fields.List(fields.Nested(ConsentOut))


class CheckOut(Schema):
    check_id = fields.String()
    allowed = fields.Boolean()
    reason = fields.String(
        metadata={
            "enum": [
                "consent_in_force",
                "no_consent",
                "withdrawn",
                "expired",
                "superseded",
                "data_not_covered",
                "source_not_covered",
                "recipient_not_covered",
            ]
        }
    )
    consent_id = fields.String(allow_none=True, metadata={"description": "The evidence."})
    expires_at = fields.AwareDateTime(allow_none=True)
    checked_at = fields.AwareDateTime()


class ProxyOut(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": ["power_of_attorney", "guardianship"]})
    status = fields.String(metadata={"enum": ["pending", "active", "revoked", "expired"]})
    citizen_id = fields.String()
    agent_id = fields.String()
    scopes = fields.List(fields.String())
    valid_from = fields.AwareDateTime()
    valid_until = fields.AwareDateTime(allow_none=True)
    court_reference = fields.String(allow_none=True)
    agent_name = fields.String(allow_none=True)
    citizen_name = fields.String(allow_none=True)
    granted_by = fields.String()
    granted_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)
    expired_at = fields.AwareDateTime(allow_none=True)


class ProxiesOut(Schema):
    granted = fields.List(
        fields.Nested(ProxyOut),
        metadata={"description": "Given by the citizen (or registered for them)."},
    )
    held = fields.List(
        fields.Nested(ProxyOut), metadata={"description": "Held by the citizen for others."}
    )


class CheckRecordOut(Schema):
    id = fields.String()
    purpose = fields.String()
    case_ref = fields.String(allow_none=True)
    data_categories = fields.List(fields.String())
    asked_by = fields.String()
    allowed = fields.Boolean()
    reason = fields.String()
    consent_id = fields.String(allow_none=True)
    checked_at = fields.AwareDateTime()


class ExportOut(Schema):
    citizen_id = fields.String()
    exported_at = fields.AwareDateTime()
    consents = fields.List(fields.Nested(ConsentOut))
    proxies = fields.Nested(ProxiesOut)
    checks = fields.List(
        fields.Nested(CheckRecordOut),
        metadata={
            "description": "Who asked whether they may use the citizen's data, and the answer."
        },
    )


class WordingOut(Schema):
    version = fields.String()
    published = fields.Date()
    da = fields.String()
    en = fields.String()
    if_no_da = fields.String()
    if_no_en = fields.String()


class PurposeOut(Schema):
    code = fields.String()
    title_da = fields.String()
    title_en = fields.String()
    legal_basis = fields.String()
    data_categories = fields.List(fields.String())
    sources = fields.List(fields.String())
    recipients = fields.List(fields.String())
    validity_days = fields.Integer()
    current_version = fields.String()
    texts = fields.List(fields.Nested(WordingOut))


class PurposesOut(Schema):
    purposes = fields.List(fields.Nested(PurposeOut))


class AuthorityQuerySchema(Schema):
    citizen_id = fields.UUID(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(PROXY_SCOPES))
