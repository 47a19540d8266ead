"""Powers of attorney and guardianships: grant, register, revoke, read, confirm authority."""

from __future__ import annotations

from typing import Any

from kit.auth import CITIZEN, STAFF, Principal
from kit.data_subjects import touched
from kit.db import read_only
from kit.errors import Problem
from kit.events import Actor
from kit.outbox import record_event
from services.consents import announcements, store, views
from services.consents.proxies import (
    GUARDIANSHIP,
    POWER_OF_ATTORNEY,
    ProxyNotFound,
    ProxyRecord,
    authority,
    new_proxy,
    revoke,
)
from services.consents.usecases.base import (
    READ,
    REGISTRAR,
    CitizenRequired,
    RegisterBase,
    _require_assurance,
    acting_for,
    new_id,
)


class Proxies(RegisterBase):
    """Powers of attorney and guardianships."""

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


def _may_revoke(principal: Principal, record: ProxyRecord) -> bool:
    if record.proxy.kind == GUARDIANSHIP:
        return principal.kind == STAFF and REGISTRAR in principal.roles
    return principal.kind == CITIZEN and principal.subject in (
        record.proxy.citizen_id,
        record.proxy.agent_id,
    )
