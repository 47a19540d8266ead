"""The events the consents service publishes, built from its facts (topic "consents")."""

from __future__ import annotations

from datetime import datetime

from kit.events import Actor, Event
from schemas.events import consents as types
from services.consents.domain import Consent, Withdrawal
from services.consents.proxies import Proxy, Revocation

TOPIC = "consents"
SOURCE = "/services/consents"
EXPIRY_ACTOR = Actor.system("consents-expiry")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _event(event_type: str, citizen_id: str, actor: Actor, data: dict) -> Event:
    # Subject (and Kafka key) is the citizen: their consent and proxy history stays in order.
    return Event(
        type=event_type,
        source=SOURCE,
        data=data,
        actor=actor,
        subject=citizen_id,
    )


def consent_given(consent: Consent, actor: Actor, supersedes: Consent | None) -> Event:
    return _event(
        types.CONSENT_GIVEN,
        consent.citizen_id,
        actor,
        {
            "consent_id": consent.id,
            "citizen_id": consent.citizen_id,
            "purpose": consent.purpose,
            "data_categories": list(consent.data_categories),
            "sources": list(consent.sources),
            "recipients": list(consent.recipients),
            "case_ref": consent.case_ref,
            "legal_basis": consent.legal_basis,
            "text_version": consent.text_version,
            "given_at": _iso(consent.given_at),
            "expires_at": _iso(consent.expires_at),
            "given_by": consent.given_by,
            "channel": consent.channel,
            "attested_by": consent.attested_by,
            "device_id": consent.device_id,
            "supersedes": supersedes.id if supersedes else None,
            "language": consent.language,
        },
    )


def consent_withdrawn(withdrawal: Withdrawal, actor: Actor) -> Event:
    return _event(
        types.CONSENT_WITHDRAWN,
        withdrawal.citizen_id,
        actor,
        {
            "consent_id": withdrawal.consent_id,
            "citizen_id": withdrawal.citizen_id,
            "withdrawn_at": _iso(withdrawal.withdrawn_at),
            "withdrawn_by": withdrawal.withdrawn_by,
        },
    )


def consent_expired(consent: Consent) -> Event:
    return _event(
        types.CONSENT_EXPIRED,
        consent.citizen_id,
        EXPIRY_ACTOR,
        {
            "consent_id": consent.id,
            "citizen_id": consent.citizen_id,
            "expired_at": _iso(consent.expires_at),
        },
    )


def proxy_granted(proxy: Proxy, actor: Actor) -> Event:
    return _event(
        types.PROXY_GRANTED,
        proxy.citizen_id,
        actor,
        {
            "proxy_id": proxy.id,
            "citizen_id": proxy.citizen_id,
            "agent_id": proxy.agent_id,
            "kind": proxy.kind,
            "scopes": list(proxy.scopes),
            "valid_from": _iso(proxy.valid_from),
            "valid_until": _iso(proxy.valid_until),
            "court_reference": proxy.court_reference,
        },
    )


def proxy_revoked(proxy: Proxy, revocation: Revocation, actor: Actor) -> Event:
    return _event(
        types.PROXY_REVOKED,
        proxy.citizen_id,
        actor,
        {
            "proxy_id": proxy.id,
            "citizen_id": proxy.citizen_id,
            "agent_id": proxy.agent_id,
            "revoked_at": _iso(revocation.revoked_at),
            "revoked_by": revocation.revoked_by,
        },
    )


def proxy_expired(proxy: Proxy, expired_at: datetime) -> Event:
    return _event(
        types.PROXY_EXPIRED,
        proxy.citizen_id,
        EXPIRY_ACTOR,
        {
            "proxy_id": proxy.id,
            "citizen_id": proxy.citizen_id,
            "agent_id": proxy.agent_id,
            "expired_at": _iso(expired_at),
        },
    )
