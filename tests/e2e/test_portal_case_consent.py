"""A sent case's "Samtykke til at hente oplysninger" in Chromium, on the platform as `make run`
starts it (issue 14's gap): Anna sees each fetch her case type names with no consent, reads the
§ 11 a text, gives consent for this case from the keyboard, sees it in force (and the consents
service holds it, naming the case), withdraws it after a confirmation and sees it gone; in
Danish and in English, axe-clean in every state."""

from __future__ import annotations

import pytest

from tests.e2e.axe import check_accessibility
from tests.e2e.platform import running_platform
from tests.e2e.test_portal_journey import chromium as chromium  # the fixtures
from tests.e2e.test_portal_journey import open_page as open_page
from tests.e2e.test_portal_journey import ready, shot, submitted_application
from tests.harness.gateway_stack import ANNA

pytestmark = pytest.mark.browser
PORT_BASE = 20800


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_platform(tmp_path_factory.mktemp("platform") / "var", PORT_BASE) as platform:
        yield platform


def consents_for(site, app_id: str) -> list[dict]:
    listed = site.session(ANNA).get(f"{site.gateway}/api/consents/consents")
    assert listed.status_code == 200, listed.text
    return [c for c in listed.json()["consents"] if c["case_ref"] == app_id]


def test_a_citizen_gives_and_withdraws_consent_for_her_sent_case(site, open_page):
    from playwright.sync_api import expect

    app_id = submitted_application(site, site.session(ANNA))["id"]
    page = open_page(ANNA, f"/mine-sager/{app_id}/")
    page.goto(f"{site.gateway}/mine-sager/{app_id}/")
    ready(page)
    panel = page.locator("#case-consents")
    expect(panel.locator("h2")).to_have_text("Samtykke til at hente oplysninger")
    therapist = panel.locator("li.case-fetch[data-fetch=therapist_assessment]")
    doctor = panel.locator("li.case-fetch[data-fetch=functional_ability]")
    expect(therapist).to_contain_text("Vurdering fra ergoterapeut eller fysioterapeut")
    expect(therapist).to_contain_text("din ergoterapeut")
    expect(therapist.locator(".consent-state")).to_have_text("Intet samtykke")
    expect(doctor.locator(".consent-state")).to_have_text("Intet samtykke")

    # The text first: what, from whom, for which case, for what, if no, how to withdraw.
    page.click("#consent-give-therapist_assessment")
    offer = page.locator("#consent-offer-therapist_assessment")
    expect(page.locator("#consent-offer-therapist_assessment-h")).to_be_focused()
    for text in (
        "Jeg giver kommunen lov til at hente oplysninger om hvad jeg kan klare selv",
        "Ansøgning om hjælpemidler",
        "Hvis du siger nej",
        "trække samtykket tilbage her på sagen",
    ):
        expect(offer).to_contain_text(text)
    check_accessibility(page, state="a case's consent text open")
    shot(page, "sag-samtykke")
    page.click("#consent-cancel-therapist_assessment")
    expect(offer).to_have_count(0)
    expect(page.locator("#consent-give-therapist_assessment")).to_be_focused()
    assert consents_for(site, app_id) == []

    # Yes, from the keyboard: one consent, in force, naming this case and only this fetch.
    page.keyboard.press("Enter")
    page.locator("#consent-yes-therapist_assessment").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#consent-notice")).to_contain_text("Du har givet samtykke")
    expect(page.locator("#consent-notice")).to_be_focused()
    expect(therapist.locator(".consent-state")).to_have_text("Du har givet samtykke")
    expect(doctor.locator(".consent-state")).to_have_text("Intet samtykke")
    given = consents_for(site, app_id)
    assert [(c["status"], c["sources"], c["purpose"]) for c in given] == [
        ("active", ["occupational_therapist"], "assistive_devices_application")
    ]
    check_accessibility(page, state="consent given for the case")

    page.click("#lang-switch")
    expect(panel.locator("h2")).to_have_text("Consent to get information")
    expect(therapist.locator(".consent-state")).to_have_text("You have given consent")
    check_accessibility(page, state="consent given, in English")
    page.click("#lang-switch")

    # Withdrawing asks first; then the consent is no longer in force, here and in the service.
    page.click("#consent-withdraw-therapist_assessment")
    expect(page.locator("#consent-confirm-therapist_assessment-h")).to_be_focused()
    expect(therapist).to_contain_text("med det samme")
    check_accessibility(page, state="withdrawing a case consent")
    page.click("#consent-withdraw-yes-therapist_assessment")
    expect(page.locator("#consent-notice")).to_contain_text("trukket tilbage")
    expect(therapist.locator(".consent-state")).to_have_text("Intet samtykke")
    expect(page.locator("#consent-give-therapist_assessment")).to_be_visible()
    assert [c["status"] for c in consents_for(site, app_id)] == ["withdrawn"]
    assert not page.errors
