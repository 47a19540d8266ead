"""Events of the consents service: consents, and powers of attorney / guardianship ("proxies").

Subject (and Kafka key) of every event here: the citizen's id (person UUID), so one citizen's
consent and proxy history stays in order. Times are ISO 8601 in UTC.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.registry import event_type

CONSENT_GIVEN = "dk.selvbetjening.consent.given.v1"
CONSENT_WITHDRAWN = "dk.selvbetjening.consent.withdrawn.v1"
CONSENT_EXPIRED = "dk.selvbetjening.consent.expired.v1"
PROXY_GRANTED = "dk.selvbetjening.proxy.granted.v1"
PROXY_REVOKED = "dk.selvbetjening.proxy.revoked.v1"
PROXY_EXPIRED = "dk.selvbetjening.proxy.expired.v1"

CHANNELS = ("portal", "tablet", "paper", "oral")
PROXY_KINDS = ("power_of_attorney", "guardianship")
# What a proxy may do for the citizen; the gateway and the services check these.
PROXY_SCOPES = (
    "applications.read",
    "applications.write",
    "consents.read",
    "consents.give",
    "appointments.read",
    "appointments.book",
    "messages.read",
)


class _Strict(Schema):
    class Meta:
        # Consumers tolerate fields added later in the same version (forward compatible).
        unknown = "exclude"


@event_type(CONSENT_GIVEN)
class ConsentGivenSchema(_Strict):
    consent_id = fields.String(required=True)
    citizen_id = fields.String(required=True)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=200))
    data_categories = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    sources = fields.List(fields.String(), load_default=list)
    recipients = fields.List(fields.String(), load_default=list)
    case_ref = fields.String(required=True, allow_none=True)
    legal_basis = fields.String(required=True)
    text_version = fields.String(required=True)
    given_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True, allow_none=True)
    given_by = fields.String(required=True)  # the citizen's id, or the proxy's
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    attested_by = fields.String(load_default=None, allow_none=True)  # staff, on a tablet
    device_id = fields.String(load_default=None, allow_none=True)
    # The consent this one replaces for the same citizen, purpose and case (a newer decision):
    # from now on the replaced consent no longer gives permission. Added after v1's first cut.
    supersedes = fields.String(load_default=None, allow_none=True)
    language = fields.String(load_default=None, allow_none=True)  # of the text shown: da, en


@event_type(CONSENT_WITHDRAWN)
class ConsentWithdrawnSchema(_Strict):
    consent_id = fields.String(required=True)
    citizen_id = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)
    withdrawn_by = fields.String(required=True)


@event_type(CONSENT_EXPIRED)
class ConsentExpiredSchema(_Strict):
    consent_id = fields.String(required=True)
    citizen_id = fields.String(required=True)
    expired_at = fields.AwareDateTime(required=True)


@event_type(PROXY_GRANTED)
class ProxyGrantedSchema(_Strict):
    proxy_id = fields.String(required=True)
    citizen_id = fields.String(required=True)  # the principal, who is represented
    agent_id = fields.String(required=True)  # the relative or guardian who acts
    kind = fields.String(required=True, validate=validate.OneOf(PROXY_KINDS))
    scopes = fields.List(
        fields.String(validate=validate.OneOf(PROXY_SCOPES)),
        required=True,
        validate=validate.Length(min=1),
    )
    valid_from = fields.AwareDateTime(required=True)
    valid_until = fields.AwareDateTime(required=True, allow_none=True)
    court_reference = fields.String(load_default=None, allow_none=True)


@event_type(PROXY_REVOKED)
class ProxyRevokedSchema(_Strict):
    proxy_id = fields.String(required=True)
    citizen_id = fields.String(required=True)
    agent_id = fields.String(required=True)
    revoked_at = fields.AwareDateTime(required=True)
    revoked_by = fields.String(required=True)


@event_type(PROXY_EXPIRED)
class ProxyExpiredSchema(_Strict):
    proxy_id = fields.String(required=True)
    citizen_id = fields.String(required=True)
    agent_id = fields.String(required=True)
    expired_at = fields.AwareDateTime(required=True)
