"""Use cases of the consents service: load, decide (domain), save and record events, in one
transaction each."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from kit import clock
from kit.auth import CITIZEN, STAFF, AssuranceTooLow, Principal
from kit.data_subjects import touched
from kit.db import read_only
from kit.errors import Problem
from kit.events import Actor
from kit.outbox import record_event
from services.consents import announcements, store, views
from services.consents.domain import (
    CITIZEN_CHANNELS,
    STAFF_CHANNELS,
    Consent,
    ConsentHistory,
    ConsentNotFound,
    ConsentRequest,
    InvalidConsent,
    Question,
    new_consent,
)
from services.consents.proxies import (
    GUARDIANSHIP,
    POWER_OF_ATTORNEY,
    ProxyNotFound,
    ProxyRecord,
    authority,
    new_proxy,
    revoke,
)

Clock = Callable[[], datetime]
GIVE, READ = "consents.give", "consents.read"  # proxy scopes this service honours
REGISTRAR = "guardianship_registrar"


def utcnow() -> datetime:
    return clock.now()


def new_id() -> str:
    return str(uuid.uuid4())


class CitizenRequired(Problem):
    status = 422
    code = "consent.citizen_required"
    title_da = "Angiv hvilken borger det gælder"
    title_en = "Name the citizen this is about"


class ConsentIdConflict(Problem):
    status = 409
    code = "consent.id_conflict"
    title_da = "Et andet samtykke har allerede dette id"
    title_en = "Another consent already has this id"


@dataclass(frozen=True)
class Acting:
    """Who the caller acts for, and how the events will name them."""

    citizen_id: str
    actor: Actor
    by: str


def acting_for(
    conn: Connection, principal: Principal, citizen_id: str | None, scope: str, now: datetime
) -> Acting:
    """The citizen the caller acts for: themselves, or another by proxy, or (staff) anyone."""
    own = principal.kind == CITIZEN and citizen_id in (None, principal.subject)
    if own:
        touched(principal.subject)
        return Acting(
            principal.subject,
            Actor(principal.subject, CITIZEN, principal.channel),
            principal.subject,
        )
    if citizen_id is None:
        raise CitizenRequired(field="citizen_id")
    touched(citizen_id)  # audited even when refused: someone tried to act for them
    if principal.kind == CITIZEN:
        records = store.proxy_records(conn, citizen_id=citizen_id, agent_id=principal.subject)
        authority(records, principal.subject, citizen_id, scope, now)
    actor = Actor(principal.subject, principal.kind, principal.channel, on_behalf_of=citizen_id)
    return Acting(citizen_id, actor, principal.subject)


def _require_assurance(principal: Principal) -> None:
    if principal.kind == CITIZEN and not principal.has_assurance("substantial"):
        raise AssuranceTooLow()


def _channel(principal: Principal, asked: str | None) -> str:
    allowed = STAFF_CHANNELS if principal.kind == STAFF else CITIZEN_CHANNELS
    channel = asked or allowed[0]
    if channel not in allowed:
        raise InvalidConsent(
            "Den måde at give samtykke på er ikke tilladt her.",
            "That way of giving consent is not allowed here.",
            code="consent.channel_not_allowed",
            field="channel",
            extra={"allowed_channels": list(allowed)},
        )
    return channel


def _consent(principal: Principal, acting: Acting, body: dict[str, Any], now: datetime) -> Consent:
    """The consent the caller asks to record; staff attest what the citizen gave."""
    request = ConsentRequest(
        **{
            **{k: v for k, v in body.items() if k not in ("consent_id", "citizen_id")},
            **{k: tuple(body[k]) for k in ("data_categories", "sources", "recipients")},
            "citizen_id": acting.citizen_id,
            "channel": _channel(principal, body.get("channel")),
        }
    )
    staff = principal.kind == STAFF
    return new_consent(
        request,
        consent_id=body.get("consent_id") or new_id(),
        given_by=acting.citizen_id if staff else acting.by,
        recorded_by=principal.subject,
        attested_by=principal.subject if staff else None,
        now=now,
    )


class Register:
    """The register of consents and proxies: every use case of the service."""

    def __init__(self, engine: Engine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    # Consents -------------------------------------------------------------------------------

    def give_consent(self, principal: Principal, body: dict[str, Any]) -> tuple[dict, bool]:
        """Record a consent; returns its view and whether it is new (False: a re-sent one)."""
        _require_assurance(principal)
        with self.engine.begin() as conn:
            acting = acting_for(conn, principal, body.get("citizen_id"), GIVE, self.clock())
            store.lock_citizen(conn, acting.citizen_id)
            now = self.clock()  # decisions take their time under the lock
            history = store.consent_history(conn, acting.citizen_id)
            resent = self._resent(conn, body.get("consent_id"), acting.citizen_id, history, now)
            if resent is not None:
                return resent, False
            consent = _consent(principal, acting, body, now)
            arrival = history.arrival(consent, now)
            store.add_consent(conn, consent)
            if arrival.in_force:
                record_event(
                    conn,
                    announcements.TOPIC,
                    announcements.consent_given(consent, acting.actor, arrival.supersedes),
                )
            history = store.consent_history(conn, acting.citizen_id)
            return views.recorded_consent(consent, history, arrival, now), True

    @staticmethod
    def _resent(
        conn: Connection,
        consent_id: str | None,
        citizen_id: str,
        history: ConsentHistory,
        now: datetime,
    ) -> dict | None:
        """A tablet may send the same consent twice while syncing: answer, record nothing."""
        if consent_id is None:
            return None
        owner = store.consent_citizen(conn, consent_id)
        if owner is None:
            return None
        if owner != citizen_id:
            raise ConsentIdConflict()
        return views.consent(history.consent(consent_id), history, now)

    def withdraw_consent(self, principal: Principal, consent_id: str) -> dict:
        with self.engine.begin() as conn:
            now = self.clock()
            citizen_id = store.consent_citizen(conn, consent_id)
            if citizen_id is None:
                raise ConsentNotFound()
            acting = acting_for(conn, principal, citizen_id, GIVE, now)
            store.lock_citizen(conn, citizen_id)
            now = self.clock()
            history = store.consent_history(conn, citizen_id)
            withdrawal = history.withdraw(
                consent_id, withdrawal_id=new_id(), withdrawn_by=acting.by, now=now
            )
            store.add_withdrawal(conn, withdrawal)
            record_event(
                conn, announcements.TOPIC, announcements.consent_withdrawn(withdrawal, acting.actor)
            )
            history = store.consent_history(conn, citizen_id)
            return views.consent(history.consent(consent_id), history, now)

    def consents_of(self, principal: Principal, citizen_id: str | None) -> list[dict]:
        with read_only(self.engine) as conn:
            now = self.clock()
            acting = acting_for(conn, principal, citizen_id, READ, now)
            history = store.consent_history(conn, acting.citizen_id)
            return [views.consent(c, history, now) for c in reversed(history.consents)]

    def consent(self, principal: Principal, consent_id: str) -> dict:
        with read_only(self.engine) as conn:
            now = self.clock()
            citizen_id = store.consent_citizen(conn, consent_id)
            if citizen_id is None:
                raise ConsentNotFound()
            acting_for(conn, principal, citizen_id, READ, now)
            history = store.consent_history(conn, citizen_id)
            return views.consent(history.consent(consent_id), history, now)

    def check(self, principal: Principal, body: dict[str, Any]) -> dict:
        """May someone use these data about the citizen for this purpose now? Logged."""
        question = Question(**{**body, "data_categories": tuple(body["data_categories"])})
        touched(question.citizen_id)
        with self.engine.begin() as conn:
            store.lock_citizen(conn, question.citizen_id, shared=True)
            now = self.clock()
            answer = store.consent_history(conn, question.citizen_id).answer(question, now)
            check = {
                "id": new_id(),
                "citizen_id": question.citizen_id,
                "purpose": question.purpose,
                "case_ref": question.case_ref,
                "data_categories": question.data_categories,
                "asked_by": principal.subject,
                "allowed": answer.allowed,
                "reason": answer.reason,
                "consent_id": answer.consent.id if answer.consent else None,
                "checked_at": now,
            }
            store.add_check(conn, **check)
        return {
            "check_id": check["id"],
            "allowed": answer.allowed,
            "reason": answer.reason,
            "consent_id": check["consent_id"],
            "checked_at": views.iso(now),
            "expires_at": views.iso(answer.consent.expires_at) if answer.consent else None,
        }

    def export(self, principal: Principal, citizen_id: str | None) -> dict:
        """Everything recorded about the citizen's consents and proxies (right of access)."""
        with read_only(self.engine) as conn:
            now = self.clock()
            acting = acting_for(conn, principal, citizen_id, READ, now)
            history = store.consent_history(conn, acting.citizen_id)
            return {
                "citizen_id": acting.citizen_id,
                "exported_at": views.iso(now),
                "consents": [views.consent(c, history, now) for c in history.consents],
                "proxies": self._proxies_view(conn, acting.citizen_id, now),
                "checks": [views.check(row) for row in store.checks_about(conn, acting.citizen_id)],
            }

    # Proxies --------------------------------------------------------------------------------

    def grant_power_of_attorney(self, principal: Principal, body: dict[str, Any]) -> dict:
        _require_assurance(principal)
        return self._grant(principal, principal.subject, POWER_OF_ATTORNEY, body)

    def register_guardianship(self, principal: Principal, body: dict[str, Any]) -> dict:
        return self._grant(principal, body["citizen_id"], GUARDIANSHIP, body)

    def _grant(
        self, principal: Principal, citizen_id: str, kind: str, body: dict[str, Any]
    ) -> dict:
        with self.engine.begin() as conn:
            now = self.clock()
            proxy = new_proxy(
                proxy_id=new_id(),
                citizen_id=citizen_id,
                agent_id=body["agent_id"],
                kind=kind,
                scopes=body["scopes"],
                valid_from=body.get("valid_from") or now,
                valid_until=body.get("valid_until"),
                granted_by=principal.subject,
                now=now,
                court_reference=body.get("court_reference"),
                agent_name=body.get("agent_name"),
                citizen_name=principal.name if citizen_id == principal.subject else None,
            )
            touched(citizen_id, proxy.agent_id)
            store.lock_citizen(conn, citizen_id)
            store.add_proxy(conn, proxy)
            actor = Actor(
                principal.subject,
                principal.kind,
                principal.channel,
                on_behalf_of=None if citizen_id == principal.subject else citizen_id,
            )
            record_event(conn, announcements.TOPIC, announcements.proxy_granted(proxy, actor))
            return views.proxy(ProxyRecord(proxy), now)

    def revoke_proxy(self, principal: Principal, proxy_id: str) -> dict:
        with self.engine.begin() as conn:
            now = self.clock()
            record = store.proxy_record(conn, proxy_id)
            if record is None:
                raise ProxyNotFound()
            touched(record.proxy.citizen_id, record.proxy.agent_id)
            store.lock_citizen(conn, record.proxy.citizen_id)
            record = store.proxy_record(conn, proxy_id) or record  # as of the lock
            now = self.clock()
            revocation = revoke(
                record,
                revoked_by=principal.subject,
                may_revoke=_may_revoke(principal, record),
                now=now,
            )
            store.add_revocation(conn, revocation)
            actor = Actor(
                principal.subject,
                principal.kind,
                principal.channel,
                on_behalf_of=record.proxy.citizen_id,
            )
            record_event(
                conn,
                announcements.TOPIC,
                announcements.proxy_revoked(record.proxy, revocation, actor),
            )
            return views.proxy(ProxyRecord(record.proxy, revocation, record.expiry), now)

    def proxies_of(self, principal: Principal, citizen_id: str | None) -> dict:
        with read_only(self.engine) as conn:
            now = self.clock()
            if principal.kind == STAFF:
                if citizen_id is None:
                    raise CitizenRequired(field="citizen_id")
                touched(citizen_id)
            else:
                citizen_id = acting_for(conn, principal, citizen_id, READ, now).citizen_id
            return self._proxies_view(conn, citizen_id, now)

    def confirm_authority(self, agent: Principal, citizen_id: str, scope: str) -> dict:
        """Does `agent` hold a proxy for `citizen_id` with `scope` at this moment? Asked by a
        service before it lets a write made under a proxy through: this register is the
        authoritative state, that service's event-fed view may lag (docs/decisions/0013-proxy-writes-confirmed.md)."""
        now = self.clock()
        with self.engine.connect() as conn:
            records = store.proxy_records(conn, citizen_id=citizen_id, agent_id=agent.subject)
        try:
            proxy = authority(records, agent.subject, citizen_id, scope, now)
        except Problem as refusal:
            return {"authorised": False, "code": refusal.code, "checked_at": now.isoformat()}
        return {"authorised": True, "proxy_id": proxy.id, "checked_at": now.isoformat()}

    def proxy(self, principal: Principal, proxy_id: str) -> dict:
        with read_only(self.engine) as conn:
            record = store.proxy_record(conn, proxy_id)
            if record is not None:  # audited before the decision, refusals too
                touched(record.proxy.citizen_id, record.proxy.agent_id)
            involved = record is not None and (
                principal.kind == STAFF
                or principal.subject in (record.proxy.citizen_id, record.proxy.agent_id)
            )
            if record is None or not involved:
                raise ProxyNotFound()  # not 403: do not confirm that someone has a proxy
            return views.proxy(record, self.clock())

    @staticmethod
    def _proxies_view(conn: Connection, citizen_id: str, now: datetime) -> dict:
        return {
            "granted": [
                views.proxy(r, now) for r in store.proxy_records(conn, citizen_id=citizen_id)
            ],
            "held": [views.proxy(r, now) for r in store.proxy_records(conn, agent_id=citizen_id)],
        }


def _may_revoke(principal: Principal, record: ProxyRecord) -> bool:
    if record.proxy.kind == GUARDIANSHIP:
        return principal.kind == STAFF and REGISTRAR in principal.roles
    return principal.kind == CITIZEN and principal.subject in (
        record.proxy.citizen_id,
        record.proxy.agent_id,
    )
