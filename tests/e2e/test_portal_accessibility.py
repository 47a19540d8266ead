"""Accessibility of the citizen portal in Chromium: axe-core (tests/e2e/axe.py) on every page in
Danish and English, at a phone's width and at 320 px (reflow), and the checker itself fails on
a page with known faults."""

from __future__ import annotations

import pytest

from tests.e2e.axe import accessibility_findings, check_accessibility
from tests.e2e.test_portal_applications import phone, script_errors  # noqa: F401 - a fixture
from tests.gateway.conftest import ANNA

pytestmark = pytest.mark.browser
PAGES = ["/", "/ansoeg/", "/ansoeg/hjaelpemidler/", "/mine-sager/", "/samtykker/", "/aftaler/"]


def test_the_accessibility_check_fails_on_a_page_with_serious_faults(phone):  # noqa: F811
    phone.set_content("<html><body><img src='x.png'><button></button></body></html>")
    found = {finding["id"] for finding in accessibility_findings(phone)}
    assert {"image-alt", "button-name", "html-has-lang"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        check_accessibility(phone)


def test_every_portal_page_passes_axe_in_danish_and_english_and_reflows_at_320px(stack, phone):  # noqa: F811
    page = phone
    page.set_default_timeout(10000)
    page.goto(stack.gateway + "/")
    check_accessibility(page, state="logged out")
    page.goto(stack.gateway + "/auth/login?channel=portal&next=/")
    page.click(f"button[name=sub][value='{ANNA}']")
    page.wait_for_selector("#who")
    for language in ("da", "en"):
        for path in PAGES:
            page.goto(stack.gateway + path)
            page.wait_for_selector("main h1")
            page.wait_for_function("!document.querySelector('#app .loading')")
            assert page.evaluate("document.documentElement.lang") == language
            check_accessibility(page, state=language)
            # Reflow (WCAG 1.4.10): at 320 CSS px nothing needs sideways scrolling.
            page.set_viewport_size({"width": 320, "height": 700})
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
            page.set_viewport_size({"width": 390, "height": 844})
        if language == "da":
            page.click("#lang-switch")
            page.wait_for_function("document.documentElement.lang === 'en'")
            assert page.locator("nav.site-nav").inner_text().split("\n")[:3] == [
                "Home",
                "Apply for help",
                "My cases",
            ]
    assert not script_errors(page)
