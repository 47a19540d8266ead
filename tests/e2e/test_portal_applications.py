"""The citizen portal's application screens in a real browser at a phone's size: Anna logs in,
applies for an assistive device step by step (errors, warnings and hints from the service's
checks next to the fields), attaches a paper, sends, gets a receipt with the case number, and
finds the case under "Mine sager"."""

from __future__ import annotations

import pytest

from tests.harness.browser import keeping_errors, launched
from tests.harness.gateway_stack import ANNA

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def script_errors(page) -> list[str]:
    """Errors of our scripts and CSP refusals; not the expected 401 of /auth/session before
    logging in, nor what the provider's own page fails to load."""
    return [e for e in page.errors if not e.startswith("Failed to load resource")]


@pytest.fixture
def phone(tmp_path):
    """A page in Chromium sized and behaving like a phone (touch, mobile viewport)."""
    with launched() as browser:
        context = browser.new_context(
            locale="da-DK", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
        )
        yield keeping_errors(context.new_page())
        context.close()


def test_a_citizen_applies_for_an_assistive_device_on_a_phone(stack, phone, tmp_path):
    from playwright.sync_api import expect

    page = phone
    page.set_default_timeout(10000)
    # Not logged in: the page sends her to log in, and back to where she was afterwards.
    page.goto(stack.gateway + "/ansoeg/")
    page.click(f"button[name=sub][value='{ANNA}']")
    page.wait_for_url(stack.gateway + "/ansoeg/")
    page.wait_for_selector("#types")
    assert page.locator("h1").inner_text() == "Hvad vil du søge om?"
    page.screenshot(path=str(tmp_path / "1-choose.png"), full_page=True)

    page.click("text=Hjælpemidler")
    page.wait_for_url(stack.gateway + "/ansoeg/hjaelpemidler/")
    page.click("#start")
    page.wait_for_selector("#step-form")
    assert page.locator("#progress").inner_text() == "Trin 1 af 4"
    assert page.locator("h1").inner_text() == "Hjælpemidlet"
    application_id = page.evaluate("new URLSearchParams(location.search).get('id')")

    # A required field left empty: a Danish error next to it, and a summary at the top.
    page.click("#next")
    page.wait_for_selector("#error-summary:not([hidden])")
    message = page.locator("#f-device_name-msg")
    assert "Udfyld: Hvilket hjælpemiddel søger du?" in message.inner_text()
    assert page.get_attribute("#f-device_name", "aria-invalid") == "true"
    assert page.locator("#progress").inner_text() == "Trin 1 af 4"  # still here

    page.fill("#f-device_name", "Rollator")
    page.click("label:has-text('Et nyt hjælpemiddel')")
    # "Already bought? Ja" makes the service warn, right next to the question.
    page.click("#wrap-already_bought label:has-text('Ja')")
    warning = page.locator("#f-already_bought-msg .msg-warning")
    warning.wait_for()
    assert "Søg altid, før du køber" in warning.inner_text()
    expect(message).to_be_empty()
    page.screenshot(path=str(tmp_path / "2-step-with-warning.png"), full_page=True)
    # Changing the answer takes the warning away.
    page.click("#wrap-already_bought label:has-text('Nej')")
    warning.wait_for(state="detached")
    # Every required answer given: the summary of errors goes away by itself.
    expect(page.locator("#error-summary")).to_be_hidden()
    page.click("#next")

    expect(page.locator("#progress")).to_have_text("Trin 2 af 4")
    assert page.locator("h1").inner_text() == "Dit behov"
    page.fill("#f-disability_description", "Jeg har slidgigt i hofterne og falder let.")
    page.click("#wrap-condition_permanent label:has-text('Ja')")
    page.click("label:has-text('Jeg har brug for det for at kunne arbejde')")
    hint = page.locator("#f-purpose-msg .msg-hint")
    hint.wait_for()
    assert "arbejdsredskab" in hint.inner_text()
    page.click("label:has-text('Det gør min hverdag derhjemme meget lettere')")
    hint.wait_for(state="detached")
    page.click("#next")

    # Papers: none is required for these answers (no own supplier); send the optional one.
    expect(page.locator("#progress")).to_have_text("Trin 3 af 4")
    required = page.locator("#wrap-att-price_quote .tag").inner_text()
    assert required == "Frivilligt"
    page.set_input_files(
        "#f-att-medical_documentation",
        files=[{"name": "laegeerklaering.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.wait_for_selector("#f-att-medical_documentation-msg .msg-ok")
    assert "laegeerklaering.pdf" in page.locator("#wrap-att-medical_documentation").inner_text()
    page.screenshot(path=str(tmp_path / "3-papers.png"), full_page=True)
    page.click("#next")

    expect(page.locator("#progress")).to_have_text("Trin 4 af 4")
    review = page.locator("#app").inner_text()
    for shown in (
        "Rollator",
        "Et nyt hjælpemiddel",
        "Nej",
        "laegeerklaering.pdf",
        "Det gør min hverdag derhjemme meget lettere",
    ):
        assert shown in review
    assert "null" not in review and "undefined" not in review
    page.screenshot(path=str(tmp_path / "4-review.png"), full_page=True)
    page.click("#send")

    page.wait_for_selector("#receipt")
    case_number = page.locator("#case-number").inner_text()
    assert case_number.startswith("ANS-")
    assert "Vi har modtaget din ansøgning." in page.locator("#receipt").inner_text()
    assert "Hvad sker der nu?" in page.locator("#app").inner_text()
    page.screenshot(path=str(tmp_path / "5-receipt.png"), full_page=True)

    # Everything was saved on the way: the service has the answers.
    answers = page.evaluate(
        """async (id) => (await (await fetch(
        '/api/applications/' + id)).json()).answers""",
        application_id,
    )
    assert answers["device_name"] == "Rollator" and answers["already_bought"] is False

    page.click("#app a[href='/mine-sager/']")
    page.wait_for_selector("#cases")
    card = page.locator(f"li.case[data-id='{application_id}']")
    assert case_number in card.inner_text()
    assert "Vi har modtaget din ansøgning." in card.inner_text()
    page.screenshot(path=str(tmp_path / "6-my-cases.png"), full_page=True)

    # English beside Danish: the same screen after one press.
    page.click("#lang-switch")
    assert page.locator("h1").inner_text() == "My cases"
    assert "We have received your application." in card.inner_text()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert script_errors(page) == []


def test_a_draft_is_resumed_from_my_cases(stack, phone):
    page = phone
    page.set_default_timeout(10000)
    page.goto(stack.gateway + "/mine-sager/")
    page.click(f"button[name=sub][value='{ANNA}']")
    page.wait_for_url(stack.gateway + "/mine-sager/")
    page.wait_for_selector("#app h1")
    assert "Du har ikke søgt om noget endnu." in page.locator("#app").inner_text()

    page.goto(stack.gateway + "/ansoeg/hjaelpemidler/")
    page.click("#start")
    page.fill("#f-device_name", "Badebræt")
    page.locator("#f-device_name").blur()
    page.wait_for_selector("#save-status.save-ok")

    # Another device: only the link from "Mine sager".
    page.goto(stack.gateway + "/mine-sager/")
    page.click("#cases a.button:has-text('Fortsæt')")
    page.wait_for_selector("#step-form")
    assert page.input_value("#f-device_name") == "Badebræt"
    assert script_errors(page) == []
