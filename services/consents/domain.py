"""Consent rules: what makes a consent lawful, and which fact wins when decisions cross.

Pure: no Flask, no SQL, no bus. History is a list of facts (consents given, withdrawals,
expiries); the current state is derived from them, never stored.

The rule for crossing decisions (offline tablets): for one citizen, purpose and case, the
decision with the latest time wins: a consent by `given_at` (the citizen's time, as the device
recorded it), a withdrawal by `withdrawn_at` (the server's time: effective at once). At equal
times a withdrawal wins over a consent (the citizen's "no" is the safe side), and between two
consents the one recorded later wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kit.errors import Problem
from schemas.consent_purposes import PURPOSES as CONTRACT
from services.consents.texts import PURPOSES, Purpose, Wording

# Words that mean "everything": a consent naming them is a blanket consent (§ 11 a).
BLANKET_TERMS = frozenset(
    {
        "*",
        "all",
        "any",
        "everything",
        "alle",
        "alt",
        "enhver",
        "samtlige",
        "alle oplysninger",
        "all data",
    }
)
# A device's clock may be a little ahead of ours; more than this is an error, not drift.
CLOCK_SKEW = timedelta(minutes=5)
CITIZEN_CHANNELS = ("portal",)
STAFF_CHANNELS = ("tablet", "paper", "oral")
LANGUAGES = ("da", "en")

ACTIVE, WITHDRAWN, EXPIRED, SUPERSEDED = "active", "withdrawn", "expired", "superseded"


class InvalidConsent(Problem):
    status = 422
    code = "consent.invalid"
    title_da = "Samtykket er ikke gyldigt"
    title_en = "The consent is not valid"


class BlanketConsent(InvalidConsent):
    code = "consent.blanket"
    title_da = "Et samtykke skal nævne hvilke oplysninger, hvorfra og til hvad"
    title_en = "A consent must name which information, from whom and for what"


class ConsentNotFound(Problem):
    status = 404
    code = "consent.not_found"
    title_da = "Samtykket findes ikke"
    title_en = "The consent does not exist"


class ConsentNotActive(Problem):
    status = 409
    code = "consent.not_active"
    title_da = "Samtykket gælder ikke længere"
    title_en = "The consent is no longer in force"


@dataclass(frozen=True)
class ConsentRequest:
    """What the caller asks to record: the citizen's decision as shown and given."""

    citizen_id: str
    purpose: str
    data_categories: tuple[str, ...]
    sources: tuple[str, ...]
    recipients: tuple[str, ...]
    text_version: str
    channel: str
    case_ref: str | None = None
    language: str = "da"
    given_at: datetime | None = None  # the device's time for offline consents; else now
    expires_at: datetime | None = None
    device_id: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Consent:
    id: str
    citizen_id: str
    purpose: str
    case_ref: str | None
    data_categories: tuple[str, ...]
    sources: tuple[str, ...]
    recipients: tuple[str, ...]
    legal_basis: str
    text_version: str
    language: str
    channel: str
    given_at: datetime
    expires_at: datetime
    given_by: str
    recorded_at: datetime
    recorded_by: str
    attested_by: str | None = None
    device_id: str | None = None
    note: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return self.purpose, self.case_ref

    @property
    def decision(self) -> Decision:
        return Decision("consent", self.id, self.given_at, self.recorded_at)


@dataclass(frozen=True)
class Withdrawal:
    id: str
    consent_id: str
    citizen_id: str
    purpose: str
    case_ref: str | None
    withdrawn_at: datetime
    withdrawn_by: str

    @property
    def key(self) -> tuple[str, str | None]:
        return self.purpose, self.case_ref

    @property
    def decision(self) -> Decision:
        return Decision("withdrawal", self.id, self.withdrawn_at, self.withdrawn_at)


@dataclass(frozen=True)
class ConsentExpiry:
    consent_id: str
    expired_at: datetime


@dataclass(frozen=True)
class Decision:
    """A citizen's yes (a consent) or no (a withdrawal) about one purpose and case."""

    kind: str
    id: str
    at: datetime
    recorded_at: datetime

    @property
    def order(self) -> tuple[datetime, int, datetime]:
        return self.at, 1 if self.kind == "withdrawal" else 0, self.recorded_at

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "at": self.at.isoformat()}


@dataclass(frozen=True)
class Status:
    state: str
    by: Decision | None = None  # the later decision that withdrew or superseded it


@dataclass(frozen=True)
class Arrival:
    """What recording a consent means now: in force (replacing `supersedes`) or not."""

    superseded_by: Decision | None
    supersedes: Consent | None

    @property
    def in_force(self) -> bool:
        return self.superseded_by is None


@dataclass(frozen=True)
class Question:
    """May someone use these data about the citizen for this purpose now?"""

    citizen_id: str
    purpose: str
    data_categories: tuple[str, ...]
    case_ref: str | None = None
    source: str | None = None
    recipient: str | None = None


@dataclass(frozen=True)
class Answer:
    allowed: bool
    reason: str  # "consent_in_force" or why not
    consent: Consent | None = None


def purpose_of(code: str) -> Purpose:
    purpose = PURPOSES.get(code)
    if purpose is None:
        raise InvalidConsent(
            f"Formålet '{code}' findes ikke.",
            f"Unknown purpose '{code}'.",
            code="consent.unknown_purpose",
            field="purpose",
        )
    return purpose


def new_consent(
    request: ConsentRequest,
    *,
    consent_id: str,
    given_by: str,
    recorded_by: str,
    attested_by: str | None,
    now: datetime,
) -> Consent:
    """The consent to record, or a Problem saying why it would not be lawful."""
    purpose = purpose_of(request.purpose)
    _refuse_blanket(request)
    wording = _wording(purpose, request)
    _require_named_in_text(purpose, request)
    if CONTRACT[purpose.code].per_case and not request.case_ref:
        # § 11 a: consent to fetch information for the processing of one case names the case.
        raise InvalidConsent(
            "Samtykket skal nævne den sag, det gælder.",
            "The consent must name the case it is for.",
            code="consent.case_required",
            field="case_ref",
        )
    given_at = _given_at(request, now)
    expires_at = request.expires_at or given_at + timedelta(days=purpose.validity_days)
    if expires_at <= now or expires_at <= given_at:
        raise InvalidConsent(
            "Udløbstidspunktet skal ligge i fremtiden.",
            "The expiry must lie in the future.",
            code="consent.invalid_expiry",
            field="expires_at",
        )
    return Consent(
        id=consent_id,
        citizen_id=request.citizen_id,
        purpose=purpose.code,
        case_ref=request.case_ref,
        data_categories=request.data_categories,
        sources=request.sources,
        recipients=request.recipients,
        legal_basis=purpose.legal_basis,
        text_version=wording.version,
        language=request.language,
        channel=request.channel,
        given_at=given_at,
        expires_at=expires_at,
        given_by=given_by,
        recorded_at=now,
        recorded_by=recorded_by,
        attested_by=attested_by,
        device_id=request.device_id,
        note=request.note,
    )


def _refuse_blanket(request: ConsentRequest) -> None:
    def blanket(values: Iterable[str]) -> bool:
        return any(v.strip().lower() in BLANKET_TERMS for v in values)

    if not request.data_categories or blanket(request.data_categories):
        raise BlanketConsent(
            "Samtykket skal nævne præcis hvilke oplysninger det gælder.",
            "The consent must name exactly which information it covers.",
            code="consent.blanket_data",
            field="data_categories",
        )
    if (
        not (request.sources or request.recipients)
        or blanket(request.sources)
        or blanket(request.recipients)
    ):
        raise BlanketConsent(
            "Samtykket skal nævne hvem oplysningerne hentes fra eller gives til.",
            "The consent must name whom the information comes from or goes to.",
            code="consent.blanket_sources",
            field="sources",
        )


def _wording(purpose: Purpose, request: ConsentRequest) -> Wording:
    wording = purpose.wording(request.text_version)
    if wording is None:
        raise InvalidConsent(
            "Samtykketeksten findes ikke i den version.",
            "No consent text has that version.",
            code="consent.unknown_text_version",
            field="text_version",
        )
    return wording


def _require_named_in_text(purpose: Purpose, request: ConsentRequest) -> None:
    for name, asked, allowed in (
        ("data_categories", request.data_categories, purpose.data_categories),
        ("sources", request.sources, purpose.sources),
        ("recipients", request.recipients, purpose.recipients),
    ):
        extra = sorted(set(asked) - set(allowed))
        if extra:
            raise InvalidConsent(
                "Samtykket nævner noget, som teksten borgeren så ikke nævner.",
                "The consent names something the text the citizen saw does not.",
                code="consent.not_in_text",
                field=name,
                extra={"not_in_text": extra},
            )


def _given_at(request: ConsentRequest, now: datetime) -> datetime:
    offline = request.given_at is not None
    if request.channel == "tablet" and not request.device_id:
        raise InvalidConsent(
            "Et samtykke fra en tablet skal angive enheden.",
            "A consent from a tablet must name the device.",
            code="consent.device_required",
            field="device_id",
        )
    if request.channel in ("paper", "oral") and not (request.note or "").strip():
        raise InvalidConsent(
            "Skriv en note om, hvordan samtykket blev givet.",
            "Add a note on how the consent was given.",
            code="consent.note_required",
            field="note",
        )
    if offline and request.channel == "portal":
        raise InvalidConsent(
            "Kun samtykker indsamlet af medarbejdere kan have et tidligere tidspunkt.",
            "Only consents collected by staff can carry an earlier time.",
            code="consent.given_at_not_allowed",
            field="given_at",
        )
    given_at = request.given_at or now
    if given_at > now + CLOCK_SKEW:
        raise InvalidConsent(
            "Tidspunktet for samtykket ligger i fremtiden.",
            "The time the consent was given lies in the future.",
            code="consent.given_in_future",
            field="given_at",
        )
    return given_at


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
