"""The portal in a real browser (Debian's Chromium driven by Playwright): a citizen logs in
at the OpenID provider's page, the portal shows who is logged in, and logging out works."""

from __future__ import annotations

import pytest

from tests.harness.browser import keeping_errors, launched
from tests.harness.gateway_stack import ANNA

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tmp_path):
    with launched() as browser:
        context = browser.new_context(locale="da-DK")
        yield keeping_errors(context.new_page())
        context.close()


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
