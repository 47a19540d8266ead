"""How consents and proxies look in API responses and in a citizen's export (JSON types)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.consents.domain import Arrival, Consent, ConsentHistory
from services.consents.proxies import ProxyRecord
from services.consents.texts import PURPOSES

SUPERSEDED_ON_ARRIVAL = "consent.superseded_on_arrival"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def consent(item: Consent, history: ConsentHistory, now: datetime) -> dict[str, Any]:
    status = history.status(item, now)
    withdrawal = history.withdrawals.get(item.id)
    expiry = history.expiries.get(item.id)
    return {
        "id": item.id,
        "citizen_id": item.citizen_id,
        "status": status.state,
        "superseded_by": status.by.to_dict()
        if status.state == "superseded" and status.by
        else None,
        "purpose": item.purpose,
        "case_ref": item.case_ref,
        "data_categories": list(item.data_categories),
        "sources": list(item.sources),
        "recipients": list(item.recipients),
        "legal_basis": item.legal_basis,
        "text": text_shown(item),
        "channel": item.channel,
        "given_at": iso(item.given_at),
        "expires_at": iso(item.expires_at),
        "given_by": item.given_by,
        "attested_by": item.attested_by,
        "device_id": item.device_id,
        "note": item.note,
        "recorded_at": iso(item.recorded_at),
        "recorded_by": item.recorded_by,
        "withdrawn_at": iso(withdrawal.withdrawn_at) if withdrawal else None,
        "withdrawn_by": withdrawal.withdrawn_by if withdrawal else None,
        "expired_at": iso(expiry.expired_at) if expiry else None,
    }


def recorded_consent(
    item: Consent, history: ConsentHistory, arrival: Arrival, now: datetime
) -> dict[str, Any]:
    """The answer to giving a consent: staff are told when a later decision won."""
    body = consent(item, history, now)
    body["supersedes"] = arrival.supersedes.id if arrival.supersedes else None
    body["warnings"] = (
        []
        if arrival.in_force
        else [
            {
                "code": SUPERSEDED_ON_ARRIVAL,
                "da": "Borgeren har truffet en nyere beslutning om det samme (fx trukket samtykket "
                "tilbage), så dette samtykke er gemt som dokumentation, men gælder ikke.",
                "en": "The citizen made a later decision about the same (e.g. withdrew consent), so "
                "this consent is kept as evidence but is not in force.",
            }
        ]
    )
    return body


def text_shown(item: Consent) -> dict[str, Any]:
    wording = PURPOSES[item.purpose].wording(item.text_version)
    if wording is None:  # texts are never removed; this would be a data error
        return {"version": item.text_version, "language": item.language}
    return {
        "version": wording.version,
        "language": item.language,
        "da": wording.da,
        "en": wording.en,
        "if_no_da": wording.if_no_da,
        "if_no_en": wording.if_no_en,
    }


def proxy(record: ProxyRecord, now: datetime) -> dict[str, Any]:
    item = record.proxy
    return {
        "id": item.id,
        "kind": item.kind,
        "status": record.status(now),
        "citizen_id": item.citizen_id,
        "agent_id": item.agent_id,
        "scopes": list(item.scopes),
        "valid_from": iso(item.valid_from),
        "valid_until": iso(item.valid_until),
        "court_reference": item.court_reference,
        "agent_name": item.agent_name,
        "citizen_name": item.citizen_name,
        "granted_by": item.granted_by,
        "granted_at": iso(item.granted_at),
        "revoked_at": iso(record.revocation.revoked_at) if record.revocation else None,
        "revoked_by": record.revocation.revoked_by if record.revocation else None,
        "expired_at": iso(record.expiry.expired_at) if record.expiry else None,
    }


def check(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "data_categories": list(row["data_categories"]),
        "checked_at": iso(row["checked_at"]),
    }


def purposes() -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "title_da": p.title_da,
            "title_en": p.title_en,
            "legal_basis": p.legal_basis,
            "data_categories": list(p.data_categories),
            "sources": list(p.sources),
            "recipients": list(p.recipients),
            "validity_days": p.validity_days,
            "current_version": p.current.version,
            "texts": [vars(w) for w in p.wordings],
        }
        for p in PURPOSES.values()
    ]
