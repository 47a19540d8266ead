"""The full case in Chromium, on the platform as `make run` starts it (issue 14): Anna applies
for a rollator in the portal; Dorte, whose unit's caseload holds aids (infra/seed/), claims it
in the workspace and asks for a paper with a deadline; Anna reads the request in Beskeder and
answers on her case page; Dorte grants a monthly amount and registers two payments. Mit
Overblik (the index stub) then shows the case's progress and both payments in order, and
Anna's messages hold the request and the decision. Every step is a person in a browser."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta

import pytest

from tests.e2e.axe import check_accessibility
from tests.e2e.platform import running_platform
from tests.e2e.test_portal_journey import CASEWORKER, ready, shot
from tests.e2e.test_portal_journey import chromium as chromium  # the fixtures
from tests.e2e.test_portal_journey import open_page as open_page
from tests.e2e.test_workspace import do
from tests.harness.gateway_stack import ANNA

pytestmark = pytest.mark.browser
PORT_BASE = 19500
DESK = {"width": 1280, "height": 900}
# A one-page PDF that says something, so the viewer has a page to show.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 46>>stream\nBT /F1 20 Tf 20 100 Td (Laegeerklaering) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_platform(tmp_path_factory.mktemp("platform") / "var", PORT_BASE) as platform:
        yield platform


def apply_for_a_rollator(page, gateway: str) -> tuple[str, str]:
    """Anna's application in the portal, step by step; its id and case number."""
    page.goto(gateway + "/ansoeg/hjaelpemidler/")
    page.click("#start")
    page.wait_for_selector("#step-form")
    page.fill("#f-device_name", "Rollator")
    page.click("label:has-text('Et nyt hjælpemiddel')")
    page.click("#wrap-already_bought label:has-text('Nej')")
    page.click("#next")
    page.wait_for_selector("#f-disability_description")
    page.fill("#f-disability_description", "Jeg har slidgigt i hofterne og falder let.")
    page.click("#wrap-condition_permanent label:has-text('Ja')")
    page.click("label:has-text('Det gør min hverdag derhjemme meget lettere')")
    page.click("#next")
    page.set_input_files(
        "#f-att-medical_documentation",
        files=[{"name": "laegeerklaering.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.wait_for_selector("#f-att-medical_documentation-msg .msg-ok")
    page.click("#next")
    page.click("#send")
    page.wait_for_selector("#receipt")
    app_id = page.evaluate("new URLSearchParams(location.search).get('id')")
    return app_id, page.locator("#case-number").inner_text()


def give_consent_in_the_portal(page, gateway: str, app_id: str) -> None:
    """Anna gives consent for her case's therapist assessment on her case page, after reading
    the consent text (the panel "Samtykke til at hente oplysninger")."""
    from playwright.sync_api import expect

    page.goto(f"{gateway}/mine-sager/{app_id}/")
    ready(page)
    page.click("#consent-give-therapist_assessment")
    expect(page.locator("#consent-offer-therapist_assessment")).to_contain_text("ergoterapeut")
    page.click("#consent-yes-therapist_assessment")
    expect(page.locator("#consent-notice")).to_contain_text("Du har givet samtykke")


def letter(page, gateway: str, text: str):
    """The letter in Beskeder that says `text`, reloading until it has come (notifications
    follow the case's events), opened."""
    from playwright.sync_api import expect

    found = page.locator("#letters > li", has_text=text)
    for _ in range(60):
        page.goto(gateway + "/beskeder/")
        ready(page)
        if found.count():
            break
        page.wait_for_timeout(500)
    expect(found).to_have_count(1)
    found.locator("summary").click()
    return found


def test_a_case_goes_from_the_portal_through_the_workspace_to_two_payments(site, open_page):
    from playwright.sync_api import expect

    gateway = site.gateway
    anna = open_page(ANNA, "/ansoeg/")
    app_id, number = apply_for_a_rollator(anna, gateway)
    assert number.startswith("ANS-")

    # Dorte finds it in her queue, claims it and asks for a paper with a deadline.
    dorte = open_page(CASEWORKER, "/workspace/")
    dorte.set_viewport_size(DESK)
    dorte.goto(gateway + "/workspace/")
    row = dorte.locator(f"#queue tr[data-id='{app_id}']")
    expect(row).to_contain_text(number)
    shot(dorte, "workspace-queue")
    row.locator("button.claim").click()
    expect(row.locator(".assignee")).to_have_text(CASEWORKER)
    row.locator("a").click()
    dorte.wait_for_selector("#actions")
    dorte.click("#start")
    dorte.wait_for_selector("#done")

    # Her paper opens in a viewer on the page, from the keyboard, and closes back to its button.
    view = dorte.locator("#documents .view-document").first
    view.focus()
    dorte.keyboard.press("Enter")
    expect(dorte.locator("#viewer-h")).to_be_focused()
    assert dorte.get_attribute("#viewer iframe", "src").startswith("blob:")
    check_accessibility(dorte, state="the case under review, a paper in the viewer")
    if os.environ.get("SB_SCREENSHOTS"):
        dorte.wait_for_timeout(1500)  # the PDF viewer draws its page after the frame loads
    shot(dorte, "workspace-document")
    dorte.click("#viewer-close")
    expect(dorte.locator("#viewer")).to_have_count(0)
    expect(view).to_be_focused()

    # Anna consents on her case page to the therapist's assessment for this case; Dorte fetches
    # it under that consent and sees it with its source and consent.
    give_consent_in_the_portal(anna, gateway, app_id)
    offer = dorte.locator("#fetched .fetch-offer[data-fetch=therapist_assessment]")
    for _ in range(60):
        if "Samtykke i kraft" in offer.inner_text():
            break
        dorte.wait_for_timeout(500)
        dorte.reload()
        dorte.wait_for_selector("#actions")
    dorte.click("#fetch-therapist_assessment")
    record = dorte.locator("#fetched .fetched-record")
    expect(record).to_contain_text("ergoterapeuten")
    expect(record).to_contain_text("Ergoterapeutens vurdering")
    expect(record).to_contain_text("hjælpemidler")  # the consent's purpose, by its title
    shot(dorte, "workspace-fetched")
    deadline = date.today() + timedelta(days=14)
    do(
        dorte,
        "request_information",
        message="Send et tilbud fra forhandleren.",
        deadline=deadline.isoformat(),
    )
    expect(dorte.locator("h1 + dl")).to_contain_text("Vi mangler noget fra dig")

    # Anna reads the request in Beskeder and answers it on her case page.
    request = letter(anna, gateway, f"Vi mangler oplysninger (sag {number})")
    expect(request.locator(".letter-body")).to_contain_text("Send et tilbud fra forhandleren.")
    check_accessibility(anna, state="the request in Beskeder")
    anna.goto(f"{gateway}/mine-sager/{app_id}/")
    ready(anna)
    expect(anna.locator(".asked-message")).to_have_text("Send et tilbud fra forhandleren.")
    anna.fill("#answer-text", "Tilbuddet kommer fra forhandleren i morgen.")
    anna.click("#answer-send")
    expect(anna.locator("#notice")).to_contain_text("Dit svar er sendt")

    # Dorte sees the answer, grants 1.500 kr. a month and registers two payments.
    dorte.reload()
    expect(dorte.locator("#history")).to_contain_text("Tilbuddet kommer fra forhandleren")
    do(dorte, "note", note="Ringede til borgeren om tilbuddet.")
    do(dorte, "decide", outcome="granted", reason="Varigt nedsat funktionsevne.", amount="1500")
    shot(dorte, "workspace-decision")
    do(dorte, "pay", pay_amount="1500", paid_on="2026-12-01", period="2026-12")
    do(dorte, "pay", pay_amount="1500", paid_on="2027-01-01", period="2027-01")
    expect(dorte.locator("#payments li")).to_have_count(2)
    check_accessibility(dorte, state="decided and paid twice")
    shot(dorte, "workspace-payments")

    # Mit Overblik: the progress in order, both payments in order, nothing internal.
    overview = anna.context.new_page()
    stub = f"http://127.0.0.1:{PORT_BASE + 300}/"
    case = overview.locator(".sag", has_text=number)
    for _ in range(60):
        overview.goto(stub)
        if case.count() and case.locator(".ydelse").count() == 2:
            break
        overview.wait_for_timeout(500)
    expect(case.locator(".status")).to_contain_text("Afgjort")
    steps = [re.sub(r" fra .*", "", s) for s in case.locator(".forloeb li").all_inner_texts()]
    assert steps == ["Modtaget", "Under behandling", "Modtaget", "Under behandling", "Afgjort"]
    paid = [" ".join(p.split()) for p in case.locator(".ydelse").all_inner_texts()]
    assert paid == [
        "Udbetalt 1.500,00 kr. den 01.12.2026",
        "Udbetalt 1.500,00 kr. den 01.01.2027",
    ]
    assert "Ringede" not in case.inner_text()

    # Anna's messages hold the request and the decision.
    decision = letter(anna, gateway, f"Afgørelse i sag {number}")
    expect(decision.locator(".letter-body")).to_contain_text("Der er truffet afgørelse")
    letter(anna, gateway, f"Vi mangler oplysninger (sag {number})")  # still there
    assert "Ringede" not in anna.locator("#letters").inner_text()
    check_accessibility(anna, state="the decision in Beskeder")
    assert not anna.errors and not dorte.errors
