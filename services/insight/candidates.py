"""Candidates for de-bureaucratisation, ranked: where citizens meet the most avoidable
bureaucracy, each with its evidence and what could change. Thresholds are data (below)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# When a finding is worth a manager's attention.
MIN_LOOP_SHARE = 0.2
MIN_DROP_OFF_SHARE = 0.1
MIN_TYPED_FIELD_CASES = 3
MIN_CONSENT_WAIT_DAYS = 1.0
MIN_REWORK_CASES = 2
MIN_CO_SERVICE_SHARE = 0.3
# Days of waiting weigh like this many contacts in the ranking (a week of waiting ~ 1 contact).
DAYS_PER_CONTACT = 7.0


@dataclass
class Candidate:
    type_id: str
    kind: str
    title: dict[str, str]
    change: dict[str, str]
    citizens: int
    extra_contacts: int
    days: float
    score: float = 0.0
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _title(type_titles: dict[str, dict[str, str]], type_id: str, lang: str) -> str:
    return type_titles.get(type_id, {}).get(lang, type_id)


def rank(results: dict[str, Any], catalogue) -> list[Candidate]:
    """Candidates from the analyses' results (analyses.run_all), highest score first
    (catalogue: catalogue_view.CatalogueView, for the names a manager knows)."""
    type_titles = catalogue.titles
    found: list[Candidate] = []

    def name(type_id: str) -> tuple[str, str]:
        return _title(type_titles, type_id, "da"), _title(type_titles, type_id, "en")

    def step(type_id: str, step_id: str, lang: str) -> str:
        if step_id == "(submit)":
            return {"da": "Send ansøgningen", "en": "Send the application"}[lang]
        return catalogue.step_titles.get(type_id, {}).get(step_id, {}).get(lang, step_id)

    def labels(type_id: str, names, lang: str) -> str:
        known = catalogue.field_labels.get(type_id, {})
        return "; ".join(known.get(n, {}).get(lang, n) for n in sorted(names))

    for type_id, loop in results["information_loops"].items():
        if loop["share"] >= MIN_LOOP_SHARE and loop["with_request"]:
            da, en = name(type_id)
            found.append(
                Candidate(
                    type_id,
                    "information_loop",
                    {
                        "da": f"{da}: {round(loop['share'] * 100)} % af sagerne venter på flere oplysninger",
                        "en": f"{en}: {round(loop['share'] * 100)}% of cases wait for more information",
                    },
                    {
                        "da": "Bed om det, der altid mangler, i selve ansøgningen (et bilagskrav eller et felt), eller hent det med samtykke.",
                        "en": "Ask for what is always missing in the application itself (a required attachment or a field), or fetch it with consent.",
                    },
                    citizens=loop["with_request"],
                    extra_contacts=loop["extra_contacts"],
                    days=loop["days_waiting"],
                    evidence=loop,
                )
            )
    for type_id, drop in results["drop_off"].items():
        if drop["share"] >= MIN_DROP_OFF_SHARE and drop["abandoned"]:
            step_id, count = next(iter(drop["left_at_step"].items()))
            step_da, step_en = step(type_id, step_id, "da"), step(type_id, step_id, "en")
            da, en = name(type_id)
            found.append(
                Candidate(
                    type_id,
                    "drop_off",
                    {
                        "da": f"{da}: {drop['abandoned']} af {drop['created']} påbegyndte ansøgninger blev aldrig sendt; flest stoppede ved trinnet «{step_da}»",
                        "en": f"{en}: {drop['abandoned']} of {drop['created']} started applications were never sent; most stopped at the step «{step_en}»",
                    },
                    {
                        "da": f"Gør trinnet «{step_da}» enklere: færre spørgsmål, klarere hjælpetekst, eller tilbyd hjælp (medbetjening).",
                        "en": f"Simplify the step «{step_en}»: fewer questions, clearer help text, or offer assistance (co-service).",
                    },
                    citizens=drop["abandoned"],
                    extra_contacts=0,
                    days=0.0,
                    evidence={**drop, "top_step_count": count},
                )
            )
    for type_id, typed in results["typed_but_fetchable"].items():
        fields = {k: v for k, v in typed["typed_fields"].items() if v >= MIN_TYPED_FIELD_CASES}
        if fields:
            da, en = name(type_id)
            citizens = typed["applications_typing"]
            listed_da, listed_en = labels(type_id, fields, "da"), labels(type_id, fields, "en")
            found.append(
                Candidate(
                    type_id,
                    "typed_not_fetched",
                    {
                        "da": f"{da}: borgere tastede oplysninger, kommunen kunne hente ({listed_da})",
                        "en": f"{en}: citizens typed data the municipality could fetch ({listed_en})",
                    },
                    {
                        "da": "Tilbyd «Hent mine oplysninger» først i trinnet, så borgeren kun skal rette.",
                        "en": "Offer «Fetch my data» first in the step, so the citizen only corrects.",
                    },
                    citizens=citizens,
                    extra_contacts=0,  # typing is effort, not a contact
                    days=0.0,
                    evidence=typed,
                )
            )
    for type_id, wait in results["consent_wait"].items():
        p50 = wait["to_consent"]["p50"]
        if p50 is not None and p50 >= MIN_CONSENT_WAIT_DAYS:
            da, en = name(type_id)
            n = wait["to_consent"]["n"]
            found.append(
                Candidate(
                    type_id,
                    "consent_wait",
                    {
                        "da": f"{da}: oplysninger kunne først hentes efter {p50} dage (median), fordi samtykket kom sent",
                        "en": f"{en}: data could only be fetched after {p50} days (median) because consent came late",
                    },
                    {
                        "da": "Spørg om samtykke med det samme, når ansøgningen startes (med § 11 a-teksten), ikke senere i sagen.",
                        "en": "Ask for consent at once when the application starts (with the § 11 a text), not later in the case.",
                    },
                    citizens=n,
                    extra_contacts=n,
                    days=round(p50 * n, 1),
                    evidence=wait,
                )
            )
    for type_id, redo in results["rework"].items():
        if redo["status_went_back"] >= MIN_REWORK_CASES:
            da, en = name(type_id)
            found.append(
                Candidate(
                    type_id,
                    "rework",
                    {
                        "da": f"{da}: {redo['status_went_back']} sager gik tilbage i forløbet (genoptaget eller tilbage til behandling)",
                        "en": f"{en}: {redo['status_went_back']} cases went back in the process (reopened or back to review)",
                    },
                    {
                        "da": "Se på, hvad afgørelserne mangler, før de træffes: en tjekliste for sagsbehandleren eller flere oplysninger fra start.",
                        "en": "Look at what decisions lack before they are made: a caseworker checklist or more information from the start.",
                    },
                    citizens=redo["status_went_back"],
                    extra_contacts=redo["status_went_back"],
                    days=0.0,
                    evidence=redo,
                )
            )
    for type_id, channel in results["channels"].items():
        if channel["co_service_share"] >= MIN_CO_SERVICE_SHARE and channel["started"]:
            da, en = name(type_id)
            helped = round(channel["co_service_share"] * channel["started"])
            found.append(
                Candidate(
                    type_id,
                    "needs_help",
                    {
                        "da": f"{da}: {round(channel['co_service_share'] * 100)} % af ansøgningerne blev startet med en medarbejder",
                        "en": f"{en}: {round(channel['co_service_share'] * 100)}% of applications were started with a staff member",
                    },
                    {
                        "da": "Find ud af, hvad borgerne får hjælp til, og gør netop det enklere i selvbetjeningen.",
                        "en": "Find out what citizens get help with, and make exactly that simpler in self-service.",
                    },
                    citizens=helped,
                    extra_contacts=helped,
                    days=0.0,
                    evidence=channel,
                )
            )
    for candidate in found:
        candidate.score = round(
            candidate.citizens + candidate.extra_contacts + candidate.days / DAYS_PER_CONTACT, 1
        )
    return sorted(found, key=lambda c: (-c.score, c.type_id, c.kind))
