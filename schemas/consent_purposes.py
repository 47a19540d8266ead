"""The consent purposes, as a contract between services: per purpose, which data categories
and which sources a consent may cover, and whether it serves one case.

The consents service holds the texts a citizen agrees to (services/consents/texts.py, checked
against this list by a test); the applications service checks at start that every fetch its
catalogue names has a purpose here that covers the fetch (services/applications/app.py).

A purpose that serves one case (`per_case`) is given for a named case (retssikkerhedsloven
§ 11 a: consent to fetch information for the processing of a case), so its consent must name
the case. A purpose that is not per case (a home-care assessment that runs for as long as the
care) may serve every case of that purpose; see docs/decisions/0014-consent-per-case.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PurposeScope:
    data_categories: tuple[str, ...]
    sources: tuple[str, ...]
    per_case: bool


PURPOSES: dict[str, PurposeScope] = {
    "home_care_assessment": PurposeScope(
        ("health", "medication", "functional_ability"),
        ("general_practitioner", "hospital", "home_care_provider"),
        per_case=False,
    ),
    "assistive_devices_application": PurposeScope(
        ("functional_ability", "housing"),
        ("occupational_therapist", "general_practitioner"),
        per_case=False,
    ),
    "enkeltudgifter.trangsvurdering": PurposeScope(
        ("income", "civil_status"), ("eindkomst", "cpr"), per_case=True
    ),
    "boligindretning.funktionsvurdering": PurposeScope(
        ("functional_ability", "housing"), ("occupational_therapist",), per_case=True
    ),
    "merudgifter.funktionsvurdering": PurposeScope(
        ("health", "functional_ability"), ("general_practitioner",), per_case=True
    ),
}
