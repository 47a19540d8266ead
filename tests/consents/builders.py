"""Test data builders for the consents service: requests, facts and API bodies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.consents.domain import Consent, ConsentRequest, Withdrawal, new_consent
from services.consents.proxies import POWER_OF_ATTORNEY, Proxy, new_proxy

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def person() -> str:
    return str(uuid.uuid4())


def cpr() -> str:
    return "0101901234"


def make_consent_request(**overrides) -> ConsentRequest:
    values = {
        "citizen_id": "citizen-1",
        "purpose": "home_care_assessment",
        "data_categories": ("health", "medication"),
        "sources": ("general_practitioner",),
        "recipients": (),
        "text_version": "2",
        "channel": "portal",
        "case_ref": "case-1",
    }
    values.update(overrides)
    return ConsentRequest(**values)


def make_consent(now: datetime = T0, **overrides) -> Consent:
    """A recorded consent; `given_at` in overrides makes it an offline tablet consent."""
    if "given_at" in overrides:
        overrides.setdefault("channel", "tablet")
        overrides.setdefault("device_id", "tablet-7")
    return new_consent(
        make_consent_request(**overrides),
        consent_id=str(uuid.uuid4()),
        given_by=overrides.get("citizen_id", "citizen-1"),
        recorded_by="citizen-1",
        attested_by=None,
        now=now,
    )


def make_withdrawal(consent: Consent, at: datetime) -> Withdrawal:
    return Withdrawal(
        id=str(uuid.uuid4()),
        consent_id=consent.id,
        citizen_id=consent.citizen_id,
        purpose=consent.purpose,
        case_ref=consent.case_ref,
        withdrawn_at=at,
        withdrawn_by=consent.citizen_id,
    )


def make_proxy(now: datetime = T0, **overrides) -> Proxy:
    values = {
        "proxy_id": str(uuid.uuid4()),
        "citizen_id": "citizen-1",
        "agent_id": "agent-1",
        "kind": POWER_OF_ATTORNEY,
        "scopes": ("consents.give",),
        "valid_from": now,
        "valid_until": now + timedelta(days=30),
        "granted_by": "citizen-1",
        "now": now,
    }
    values.update(overrides)
    return new_proxy(**values)


# API bodies ---------------------------------------------------------------------------------


def consent_body(**overrides) -> dict:
    body = {
        "purpose": "home_care_assessment",
        "data_categories": ["health", "medication"],
        "sources": ["general_practitioner"],
        "case_ref": "case-" + uuid.uuid4().hex[:6],
        "text_version": "2",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def tablet_consent_body(citizen_id: str, given_at: datetime, **overrides) -> dict:
    return consent_body(
        citizen_id=citizen_id,
        channel="tablet",
        device_id="tablet-7",
        given_at=given_at.isoformat(),
        **overrides,
    )


def check_body(citizen_id: str, **overrides) -> dict:
    body = {
        "citizen_id": citizen_id,
        "purpose": "home_care_assessment",
        "data_categories": ["health"],
    }
    body.update(overrides)
    return body


def proxy_body(agent_id: str, until: datetime, **overrides) -> dict:
    body = {
        "agent_id": agent_id,
        "scopes": ["consents.give", "consents.read"],
        "valid_until": until.isoformat(),
    }
    body.update(overrides)
    return body
