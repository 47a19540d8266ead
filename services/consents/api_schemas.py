"""Request shapes of the consents API (marshmallow; also the source for an OpenAPI document).

Citizens are named by their person UUID, never by CPR number: a field that is not a UUID is
refused before it gets anywhere near a log line.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from schemas.events.consents import CHANNELS, PROXY_SCOPES
from services.consents.domain import LANGUAGES


class PersonId(fields.UUID):
    """A person UUID, handed on as its canonical string."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _names(**kwargs) -> fields.List:
    kwargs.setdefault("validate", validate.Length(max=20))
    return fields.List(fields.String(validate=validate.Length(min=1, max=100)), **kwargs)


class GiveConsentSchema(_Strict):
    consent_id = PersonId(load_default=None, metadata={
        "description": "Set by an offline tablet so that sending it again records nothing."})
    citizen_id = PersonId(load_default=None, metadata={
        "description": "The citizen's person UUID; staff and proxies must name it."})
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=100),
                            metadata={"example": "home_care_assessment"})
    case_ref = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    data_categories = _names(required=True, metadata={"example": ["health", "medication"]})
    sources = _names(load_default=list, metadata={"example": ["general_practitioner"]})
    recipients = _names(load_default=list)
    text_version = fields.String(required=True, validate=validate.Length(min=1, max=20))
    language = fields.String(load_default="da", validate=validate.OneOf(LANGUAGES))
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    given_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "Offline tablets: when the citizen gave it (the device's clock)."})
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
    scopes = fields.List(fields.String(validate=validate.OneOf(PROXY_SCOPES)), required=True)
    valid_from = fields.AwareDateTime(load_default=None)
    valid_until = fields.AwareDateTime(load_default=None)


class GuardianshipSchema(PowerOfAttorneySchema):
    citizen_id = PersonId(required=True, metadata={"description": "The person under guardianship."})
    court_reference = fields.String(load_default=None, validate=validate.Length(max=200),
                                    metadata={"example": "BS 12-345/2026"})


class ForCitizenSchema(_Strict):
    citizen_id = PersonId(load_default=None)
