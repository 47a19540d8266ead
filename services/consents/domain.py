"""Consent rules: what makes a consent lawful, and which fact wins when decisions cross.

Pure: no Flask, no SQL, no bus. History is a list of facts (consents given, withdrawals,
expiries); the current state is derived from them, never stored.

The rule for crossing decisions (offline tablets): for one citizen, purpose and case, the
decision with the latest time wins: a consent by `given_at` (the citizen's time, as the device
recorded it), a withdrawal by `withdrawn_at` (the server's time: effective at once). At equal
times a withdrawal wins over a consent (the citizen's "no" is the safe side), and between two
consents the one recorded later wins.

The rules live in three modules along their sections: facts.py (the records and problems),
lawful.py (what makes a new consent lawful) and this one (the history); every name stays
importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from services.consents.facts import (
    ACTIVE,
    CITIZEN_CHANNELS,
    EXPIRED,
    LANGUAGES,
    STAFF_CHANNELS,
    SUPERSEDED,
    WITHDRAWN,
    Answer,
    Arrival,
    BlanketConsent,
    Consent,
    ConsentExpiry,
    ConsentNotActive,
    ConsentNotFound,
    ConsentRequest,
    Decision,
    InvalidConsent,
    Question,
    Status,
    Withdrawal,
)
from services.consents.lawful import BLANKET_TERMS, CLOCK_SKEW, new_consent, purpose_of

__all__ = [
    "ACTIVE",
    "BLANKET_TERMS",
    "CITIZEN_CHANNELS",
    "CLOCK_SKEW",
    "EXPIRED",
    "LANGUAGES",
    "STAFF_CHANNELS",
    "SUPERSEDED",
    "WITHDRAWN",
    "Answer",
    "Arrival",
    "BlanketConsent",
    "Consent",
    "ConsentExpiry",
    "ConsentHistory",
    "ConsentNotActive",
    "ConsentNotFound",
    "ConsentRequest",
    "Decision",
    "InvalidConsent",
    "Question",
    "Status",
    "Withdrawal",
    "new_consent",
    "purpose_of",
]


class ConsentHistory:
    """One citizen's consent facts, and the state derived from them."""

    def __init__(
        self,
        consents: Iterable[Consent] = (),
        withdrawals: Iterable[Withdrawal] = (),
        expiries: Iterable[ConsentExpiry] = (),
    ) -> None:
        self.consents = sorted(consents, key=lambda c: c.decision.order)
        self.withdrawals = {w.consent_id: w for w in withdrawals}
        self.expiries = {e.consent_id: e for e in expiries}

    def consent(self, consent_id: str) -> Consent:
        for consent in self.consents:
            if consent.id == consent_id:
                return consent
        raise ConsentNotFound()

    def latest_decision(self, key: tuple[str, str | None]) -> Decision | None:
        decisions = [c.decision for c in self.consents if c.key == key]
        decisions += [w.decision for w in self.withdrawals.values() if w.key == key]
        return max(decisions, key=lambda d: d.order, default=None)

    def later_decision(self, consent: Consent) -> Decision | None:
        latest = self.latest_decision(consent.key)
        return latest if latest is not None and latest.order > consent.decision.order else None

    def status(self, consent: Consent, now: datetime) -> Status:
        withdrawal = self.withdrawals.get(consent.id)
        if withdrawal is not None:
            return Status(WITHDRAWN, withdrawal.decision)
        later = self.later_decision(consent)
        if later is not None:
            return Status(SUPERSEDED, later)
        if consent.id in self.expiries or consent.expires_at <= now:
            return Status(EXPIRED)
        return Status(ACTIVE)

    def in_force(self, now: datetime) -> list[Consent]:
        return [c for c in self.consents if self.status(c, now).state == ACTIVE]

    def arrival(self, consent: Consent, now: datetime) -> Arrival:
        """What recording `consent` (not yet in the history) means, by the later-fact rule."""
        later = self.later_decision(consent)
        if later is not None:
            return Arrival(superseded_by=later, supersedes=None)
        replaced = next((c for c in self.in_force(now) if c.key == consent.key), None)
        return Arrival(superseded_by=None, supersedes=replaced)

    def withdraw(
        self, consent_id: str, *, withdrawal_id: str, withdrawn_by: str, now: datetime
    ) -> Withdrawal:
        consent = self.consent(consent_id)
        status = self.status(consent, now)
        if status.state != ACTIVE:
            raise ConsentNotActive(extra={"consent_status": status.state})
        return Withdrawal(
            id=withdrawal_id,
            consent_id=consent.id,
            citizen_id=consent.citizen_id,
            purpose=consent.purpose,
            case_ref=consent.case_ref,
            withdrawn_at=now,
            withdrawn_by=withdrawn_by,
        )

    def due_for_expiry(self, now: datetime) -> list[tuple[Consent, bool]]:
        """Consents past their expiry with no expiry fact yet: (consent, was it in force)."""
        due = []
        for consent in self.consents:
            if consent.expires_at > now or consent.id in self.expiries:
                continue
            if consent.id in self.withdrawals:
                continue
            due.append((consent, self.later_decision(consent) is None))
        return due

    def answer(self, question: Question, now: datetime) -> Answer:
        candidates = [
            c
            for c in self.consents
            if c.purpose == question.purpose and c.case_ref in (None, question.case_ref)
        ]
        if not candidates:
            return Answer(False, "no_consent")
        in_force = [c for c in candidates if self.status(c, now).state == ACTIVE]
        if not in_force:
            return Answer(False, self._why_not_in_force(candidates, now))
        gaps = []
        for consent in reversed(in_force):  # the newest consent that covers the question
            gap = _not_covered(consent, question)
            if gap is None:
                return Answer(True, "consent_in_force", consent)
            gaps.append(gap)
        return Answer(False, gaps[0])

    def _why_not_in_force(self, candidates: list[Consent], now: datetime) -> str:
        # The citizen's latest decision explains it: a "no", or a "yes" that has expired.
        decisions = [d for d in (self.latest_decision(c.key) for c in candidates) if d]
        latest = max(decisions, key=lambda d: d.order)
        if latest.kind == "withdrawal":
            return WITHDRAWN
        return self.status(self.consent(latest.id), now).state


def _not_covered(consent: Consent, question: Question) -> str | None:
    if not set(question.data_categories) <= set(consent.data_categories):
        return "data_not_covered"
    if question.source and question.source not in consent.sources:
        return "source_not_covered"
    if question.recipient and question.recipient not in consent.recipients:
        return "recipient_not_covered"
    return None
