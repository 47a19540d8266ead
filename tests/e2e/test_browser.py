"""The portal in a real browser (Debian's Chromium driven by Playwright): a citizen logs in
at the OpenID provider's page, the portal shows who is logged in, and logging out works."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import _missing
from tests.harness.gateway_stack import ANNA

CHROMIUM = os.environ.get("SB_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.browser
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(tmp_path):
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium ({CHROMIUM}; infra/chromium.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(locale="da-DK")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.errors = errors  # type: ignore[attr-defined]
        yield page
        context.close()
        browser.close()


def test_a_citizen_logs_in_and_out_of_the_portal_in_a_real_browser(stack, page, tmp_path):
    page.goto(stack.gateway + "/")
    assert page.locator("h1").inner_text() == "Velkommen til kommunens selvbetjening"
    page.click("#session a")
    # The provider's own page: pick Anna among its test people.
    page.click(f"button[name=sub][value='{ANNA}']")
    page.wait_for_url(stack.gateway + "/")
    page.wait_for_selector("#who")
    assert "Anna Andersen" in page.locator("#who").inner_text()
    page.screenshot(path=str(tmp_path / "portal-logged-in.png"))
    # The page itself can use the API with its session and CSRF token.
    created = page.evaluate("""async () => {
        const me = await (await fetch('/auth/session')).json();
        const r = await fetch('/api/applications', {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token},
            body: JSON.stringify({type: 'enkeltudgifter'})});
        return r.status;
    }""")
    assert created == 201
    # The cookie is HttpOnly: scripts on the page cannot read it.
    assert "sb_session" not in page.evaluate("document.cookie")

    # Logout ends the provider's session server to server; the page goes to the front page.
    with page.expect_navigation(timeout=10000):
        page.click("#logout")
    page.goto(stack.gateway + "/")
    page.wait_for_selector("#login")
    assert page.locator("#login").inner_text().startswith("Log ind med MitID")
    assert [e for e in page.errors if "Content Security Policy" in e] == []
