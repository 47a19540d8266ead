"""Consent texts as data: per purpose, the versioned wording shown in plain Danish and English.

A text names which information, from whom and to whom, for which purpose, and what follows if
the citizen says no (retssikkerhedsloven § 11 a). A version, once published, never changes: a
new wording is a new version, and each consent records the version and the language shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

IF_NO_DA = (
    "Hvis du siger nej, henter kommunen ikke oplysningerne. Du kan selv give dem til "
    "os. Sagen kan tage længere tid, men du mister ikke din ret til at søge."
)
IF_NO_EN = (
    "If you say no, the municipality will not get the information. You can give it to"
    " us yourself. Your case may take longer, but you do not lose your right to apply."
)
LEGAL_BASIS_CONSENT = (
    "retssikkerhedsloven § 11 a, stk. 1; databeskyttelsesforordningen art. 6, stk. 1, litra a, "
    "og art. 9, stk. 2, litra a"
)


@dataclass(frozen=True)
class Wording:
    version: str
    published: str  # ISO date
    da: str
    en: str
    # What follows if the citizen says no; most purposes say the same.
    if_no_da: str = IF_NO_DA
    if_no_en: str = IF_NO_EN


@dataclass(frozen=True, kw_only=True)
class Purpose:
    code: str
    title_da: str
    title_en: str
    data_categories: tuple[str, ...]
    sources: tuple[str, ...]
    validity_days: int  # how long a consent lasts when the request names no expiry
    recipients: tuple[str, ...] = ()
    legal_basis: str = LEGAL_BASIS_CONSENT
    wordings: tuple[Wording, ...] = field(default=())

    @property
    def current(self) -> Wording:
        return self.wordings[-1]

    def wording(self, version: str) -> Wording | None:
        return next((w for w in self.wordings if w.version == version), None)


PURPOSES: dict[str, Purpose] = {
    p.code: p
    for p in (
        Purpose(
            code="home_care_assessment",
            title_da="Vurdering af hjemmehjælp",
            title_en="Assessment for home care",
            data_categories=("health", "medication", "functional_ability"),
            sources=("general_practitioner", "hospital", "home_care_provider"),
            validity_days=365,
            wordings=(
                Wording(
                    version="1",
                    published="2026-01-05",
                    da="Jeg giver kommunen lov til at hente oplysninger om mit helbred, min medicin "
                    "og hvad jeg kan klare selv, fra min egen læge, hospitalet og min "
                    "hjemmepleje. Oplysningerne bruges kun til at vurdere, om jeg kan få "
                    "hjemmehjælp.",
                    en="I allow the municipality to get information about my health, my medicine "
                    "and what I can manage on my own from my own doctor, the hospital and my "
                    "home care provider. The information is used only to assess whether I can "
                    "get home care.",
                ),
                Wording(
                    version="2",
                    published="2026-09-01",
                    da="Jeg giver kommunen lov til at hente oplysninger om mit helbred, min medicin "
                    "og hvad jeg kan klare selv. Oplysningerne hentes fra min egen læge, "
                    "hospitalet og min hjemmepleje. De bruges kun i min sag om hjemmehjælp. Jeg "
                    "kan altid trække mit samtykke tilbage.",
                    en="I allow the municipality to get information about my health, my medicine "
                    "and what I can manage on my own. The information comes from my own doctor, "
                    "the hospital and my home care provider. It is used only in my home care "
                    "case. I can always withdraw my consent.",
                ),
            ),
        ),
        Purpose(
            code="assistive_devices_application",
            title_da="Ansøgning om hjælpemidler",
            title_en="Application for assistive devices",
            data_categories=("functional_ability", "housing"),
            sources=("occupational_therapist", "general_practitioner"),
            recipients=("assistive_devices_supplier",),
            validity_days=180,
            wordings=(
                Wording(
                    version="1",
                    published="2026-03-02",
                    da="Jeg giver kommunen lov til at hente oplysninger om hvad jeg kan klare selv "
                    "og om min bolig fra min ergoterapeut og min egen læge, og til at give "
                    "leverandøren af hjælpemidlet de mål, der skal bruges. Det gælder kun min "
                    "ansøgning om hjælpemidler.",
                    en="I allow the municipality to get information about what I can manage on my "
                    "own and about my home from my occupational therapist and my own doctor, "
                    "and to give the supplier of the device the measurements it needs. This "
                    "applies only to my application for assistive devices.",
                    if_no_da="Hvis du siger nej, skal du selv skaffe oplysningerne, og kommunen kan "
                    "ikke bestille hjælpemidlet for dig. Du kan stadig søge.",
                    if_no_en="If you say no, you must get the information yourself, and the "
                    "municipality cannot order the device for you. You can still apply.",
                ),
            ),
        ),
        Purpose(
            code="enkeltudgifter.trangsvurdering",
            title_da="Vurdering af behov for hjælp til en enkeltudgift",
            title_en="Assessment of need for help with a single expense",
            data_categories=("income", "civil_status"),
            sources=("eindkomst", "cpr"),
            validity_days=90,
            wordings=(
                Wording(
                    version="1",
                    published="2026-11-28",
                    da="Jeg giver kommunen lov til at hente oplysninger om min indkomst fra eIndkomst og om min civilstand fra CPR-registeret. Oplysningerne bruges kun i min sag om hjælp til en enkeltudgift.",
                    en="I allow the municipality to get information about my income from eIndkomst and about my civil status from the CPR register. The information is used only in my case about help with a single expense.",
                ),
            ),
        ),
        Purpose(
            code="boligindretning.funktionsvurdering",
            title_da="Vurdering til boligindretning",
            title_en="Assessment for home adaptation",
            data_categories=("functional_ability", "housing"),
            sources=("occupational_therapist",),
            validity_days=180,
            wordings=(
                Wording(
                    version="1",
                    published="2026-11-28",
                    da="Jeg giver kommunen lov til at hente oplysninger om hvad jeg kan klare selv og om min bolig fra min ergoterapeut. Oplysningerne bruges kun i min sag om boligindretning.",
                    en="I allow the municipality to get information about what I can manage on my own and about my home from my occupational therapist. The information is used only in my case about home adaptation.",
                ),
            ),
        ),
        Purpose(
            code="merudgifter.funktionsvurdering",
            title_da="Vurdering af merudgifter",
            title_en="Assessment of additional costs",
            data_categories=("health", "functional_ability"),
            sources=("general_practitioner",),
            validity_days=180,
            wordings=(
                Wording(
                    version="1",
                    published="2026-11-28",
                    da="Jeg giver kommunen lov til at hente oplysninger om mit helbred og hvad jeg kan klare selv fra min egen læge. Oplysningerne bruges kun i min sag om merudgifter.",
                    en="I allow the municipality to get information about my health and what I can manage on my own from my own doctor. The information is used only in my case about additional costs.",
                ),
            ),
        ),
    )
}
