"""Consents: give (once per id), withdraw, read, check with evidence, export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kit import break_glass
from kit.auth import CITIZEN, STAFF, Principal
from kit.data_subjects import touched
from kit.db import read_only
from kit.errors import Problem
from kit.outbox import record_event
from services.consents import announcements, store, views
from services.consents.domain import ConsentHistory, ConsentNotFound, Question
from services.consents.proxies import authority
from services.consents.usecases.base import (
    GIVE,
    READ,
    ConsentIdConflict,
    RegisterBase,
    _consent,
    _require_assurance,
    acting_for,
    new_id,
    staff_relation,
)

# A proxy fetches for the citizen under the scope that lets it change their applications.
FETCH_FOR = "applications.write"


class Consents(RegisterBase):
    """§ 11 a consents."""

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
        question = _question(body)
        if principal.kind == STAFF:  # case systems (machines) ask about anyone
            touched(question.citizen_id)
            with read_only(self.engine) as conn:
                staff_relation(conn, principal, question.citizen_id, self.clock(), reading=False)
        return self._answer(principal.subject, question)

    def confirm_consent(self, asker: Principal, body: dict[str, Any]) -> dict:
        """The same question, asked by the applications service before and after it fetches
        data under a consent, with its caller's own token: this register is the authoritative
        state, that service's event-fed view may lag (docs/decisions/0018-consent-fetches-
        confirmed.md). A citizen asks only about themselves or someone they may act for."""
        question = _question(body)
        if asker.kind == CITIZEN and asker.subject != question.citizen_id:
            with self.engine.connect() as conn:
                records = store.proxy_records(
                    conn, citizen_id=question.citizen_id, agent_id=asker.subject
                )
            try:
                authority(records, asker.subject, question.citizen_id, FETCH_FOR, self.clock())
            except Problem as refusal:
                return {"allowed": False, "reason": refusal.code, "consent_id": None}
        return self._answer(asker.subject, question)

    def _answer(self, asked_by: str, question: Question) -> dict:
        """The register's answer, under the citizen's lock, recorded as a check (evidence)."""
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
                "asked_by": asked_by,
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

    def break_glass(self, principal: Principal, citizen_id: str, reason: str | None) -> dict:
        """Open a citizen's consents outside one's relations (kit.break_glass): read only,
        for a short while, audited with the reason the citizen and the auditor see."""
        grant = break_glass.open_citizen(
            self.engine, store.break_glass_grants, principal, citizen_id, reason, self.clock()
        )
        return {"citizen_id": citizen_id, "expires_at": views.iso(grant["expires_at"])}

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


def _question(body: dict[str, Any]) -> Question:
    return Question(**{**body, "data_categories": tuple(body["data_categories"])})
