"""What makes a consent lawful (§ 11 a): a named purpose, data and sources, the text the
citizen saw, the case where the purpose serves one, and a believable time.

Pure: `new_consent` turns a request into the consent to record, or raises a Problem saying why
it would not be lawful.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from schemas.consent_purposes import PURPOSES as CONTRACT
from services.consents.facts import BlanketConsent, Consent, ConsentRequest, InvalidConsent
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
