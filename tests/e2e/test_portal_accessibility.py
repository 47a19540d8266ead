"""Accessibility of the citizen portal in Chromium: the axe-core check (tests/e2e/axe.py) fails
on a page with known faults, and a citizen applies and submits with the keyboard only. Every
page and state in both languages and at 320 px: tests/e2e/test_portal_journey.py."""

from __future__ import annotations

import pytest

from tests.e2e.axe import accessibility_findings, check_accessibility
from tests.e2e.test_portal_applications import phone, script_errors  # noqa: F401 - a fixture
from tests.harness.gateway_stack import ANNA

pytestmark = pytest.mark.browser


def test_the_accessibility_check_fails_on_a_page_with_serious_faults(phone):  # noqa: F811
    phone.set_content("<html><body><img src='x.png'><button></button></body></html>")
    found = {finding["id"] for finding in accessibility_findings(phone)}
    assert {"image-alt", "button-name", "html-has-lang"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        check_accessibility(phone)


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab (only the keyboard) until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement?.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_citizen_applies_and_submits_with_the_keyboard_only(stack, phone):  # noqa: F811
    from playwright.sync_api import expect

    page = phone
    page.set_default_timeout(10000)
    page.goto(stack.gateway + "/auth/login?channel=portal&next=/ansoeg/hjaelpemidler/")
    page.focus(f"button[name=sub][value='{ANNA}']")  # the provider's page is not ours
    page.keyboard.press("Enter")
    page.wait_for_selector("#start")
    tab_to(page, "#start")
    page.keyboard.press("Enter")
    page.wait_for_selector("#step-form")
    tab_to(page, "#f-device_name")
    page.keyboard.type("Rollator")
    tab_to(page, "#f-application_kind-0")
    page.keyboard.press("Space")  # "Et nyt hjælpemiddel"
    tab_to(page, "input[name=already_bought]")
    page.keyboard.press("ArrowRight")  # Ja -> Nej: arrows move within a radio group
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    tab_to(page, "#next")
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_have_text("Trin 2 af 4")
    tab_to(page, "#f-disability_description")
    page.keyboard.type("Jeg har slidgigt i hofterne.")
    tab_to(page, "input[name=condition_permanent]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=purpose]")
    page.keyboard.press("Space")
    tab_to(page, "#next")
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_have_text("Trin 3 af 4")
    tab_to(page, "#next")
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_have_text("Trin 4 af 4")
    check_accessibility(page, state="review, reached by keyboard")
    tab_to(page, "#send")
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt")
    assert page.locator("#case-number").inner_text().startswith("ANS-")
    assert not script_errors(page)
