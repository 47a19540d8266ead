"""Powers of attorney and guardianship: who may act for whom, in what, and until when.

Pure rules, like domain.py. A proxy is a fact (granted); revocation and expiry are later facts;
whether it gives authority now is derived from them and the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kit.errors import Problem
from schemas.events.consents import PROXY_SCOPES

POWER_OF_ATTORNEY, GUARDIANSHIP = "power_of_attorney", "guardianship"
PENDING, ACTIVE, REVOKED, EXPIRED = "pending", "active", "revoked", "expired"


class InvalidProxy(Problem):
    status = 422
    code = "proxy.invalid"
    title_da = "Fuldmagten er ikke gyldig"
    title_en = "The power of attorney is not valid"


class ProxyNotFound(Problem):
    status = 404
    code = "proxy.not_found"
    title_da = "Fuldmagten findes ikke"
    title_en = "The power of attorney does not exist"


class ProxyNotActive(Problem):
    status = 409
    code = "proxy.not_active"
    title_da = "Fuldmagten gælder ikke længere"
    title_en = "The power of attorney is no longer in force"


class NoAuthority(Problem):
    status = 403
    code = "proxy.no_authority"
    title_da = "Du har ikke fuldmagt til at handle for denne borger"
    title_en = "You have no power of attorney to act for this citizen"


@dataclass(frozen=True)
class Proxy:
    id: str
    citizen_id: str  # the principal, who is represented
    agent_id: str  # who acts
    kind: str
    scopes: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime | None
    granted_by: str
    granted_at: datetime
    court_reference: str | None = None
    # The names the grantor gave (the agent's) and had (their own), so each side sees a name
    # rather than an id; shown to the two of them only, never in events.
    agent_name: str | None = None
    citizen_name: str | None = None


@dataclass(frozen=True)
class Revocation:
    proxy_id: str
    revoked_at: datetime
    revoked_by: str


@dataclass(frozen=True)
class ProxyExpiry:
    proxy_id: str
    expired_at: datetime


@dataclass(frozen=True)
class ProxyRecord:
    proxy: Proxy
    revocation: Revocation | None = None
    expiry: ProxyExpiry | None = None

    def status(self, now: datetime) -> str:
        if self.revocation is not None:
            return REVOKED
        until = self.proxy.valid_until
        if self.expiry is not None or (until is not None and until <= now):
            return EXPIRED
        return PENDING if self.proxy.valid_from > now else ACTIVE

    def due_for_expiry(self, now: datetime) -> bool:
        until = self.proxy.valid_until
        return (
            self.revocation is None and self.expiry is None and until is not None and until <= now
        )


def new_proxy(
    *,
    proxy_id: str,
    citizen_id: str,
    agent_id: str,
    kind: str,
    scopes: Iterable[str],
    valid_from: datetime,
    valid_until: datetime | None,
    granted_by: str,
    now: datetime,
    court_reference: str | None = None,
    agent_name: str | None = None,
    citizen_name: str | None = None,
) -> Proxy:
    scopes = tuple(dict.fromkeys(scopes))
    if agent_id == citizen_id:
        raise InvalidProxy(
            "Du kan ikke give dig selv fuldmagt.",
            "You cannot grant a power of attorney to yourself.",
            code="proxy.self_grant",
            field="agent_id",
        )
    unknown = sorted(set(scopes) - set(PROXY_SCOPES))
    if not scopes or unknown:
        raise InvalidProxy(
            "Angiv hvad fuldmagten gælder.",
            "Name what the proxy may do.",
            code="proxy.invalid_scopes",
            field="scopes",
            extra={"unknown_scopes": unknown, "known_scopes": list(PROXY_SCOPES)},
        )
    if kind == POWER_OF_ATTORNEY and valid_until is None:
        raise InvalidProxy(
            "En fuldmagt skal have en slutdato.",
            "A power of attorney must have an end date.",
            code="proxy.end_required",
            field="valid_until",
        )
    if kind == GUARDIANSHIP and not (court_reference or "").strip():
        raise InvalidProxy(
            "Et værgemål skal henvise til afgørelsen.",
            "A guardianship must refer to the court decision.",
            code="proxy.court_reference_required",
            field="court_reference",
        )
    if valid_until is not None and (valid_until <= now or valid_until <= valid_from):
        raise InvalidProxy(
            "Slutdatoen skal ligge efter startdatoen og i fremtiden.",
            "The end must lie after the start and in the future.",
            code="proxy.invalid_period",
            field="valid_until",
        )
    return Proxy(
        id=proxy_id,
        citizen_id=citizen_id,
        agent_id=agent_id,
        kind=kind,
        scopes=scopes,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by=granted_by,
        granted_at=now,
        court_reference=court_reference,
        agent_name=agent_name,
        citizen_name=citizen_name,
    )


def authority(
    records: Iterable[ProxyRecord], agent_id: str, citizen_id: str, scope: str, now: datetime
) -> Proxy:
    """The proxy that lets `agent_id` do `scope` for `citizen_id` now, or NoAuthority."""
    held = [r for r in records if r.proxy.agent_id == agent_id and r.proxy.citizen_id == citizen_id]
    for record in held:
        if record.status(now) == ACTIVE and scope in record.proxy.scopes:
            return record.proxy
    if any(r.status(now) == EXPIRED and scope in r.proxy.scopes for r in held):
        raise NoAuthority(
            "Din fuldmagt er udløbet.",
            "Your power of attorney has expired.",
            code="proxy.authority_expired",
        )
    raise NoAuthority(extra={"required_scope": scope})


def revoke(record: ProxyRecord, *, revoked_by: str, may_revoke: bool, now: datetime) -> Revocation:
    if not may_revoke:
        raise NoAuthority(
            "Kun borgeren, fuldmægtigen eller værgemålsregistratoren kan tilbagekalde.",
            "Only the citizen, the agent or the guardianship registrar can revoke.",
            code="proxy.revoke_not_allowed",
        )
    status = record.status(now)
    if status not in (ACTIVE, PENDING):
        raise ProxyNotActive(extra={"proxy_status": status})
    return Revocation(record.proxy.id, now, revoked_by)
