"""The consent facts (consents given, withdrawals, expiries) and what is derived from them.

Pure records and the problems the consent rules raise; the rules themselves are in lawful.py
(what makes a new consent lawful) and domain.py (the history and who wins when decisions cross).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kit.errors import Problem

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
