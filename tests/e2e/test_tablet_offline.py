"""The staff tablet (medbetjening, docs/tablet.md) in a real browser at a tablet's size: Erik
(home care) logs in and sees today's visits; the network goes; the app still opens from the
service worker's cache; he collects Anna's consent and starts a draft for her, both queued on
the tablet; the network comes back and both are sent. Answers lost on the way back (the
server acted, the tablet never heard) make the tablet send again, and nothing is recorded
twice: exactly one consent and one draft exist."""

from __future__ import annotations

import uuid

import pytest

from tests.harness.browser import script_errors
from tests.harness.gateway_stack import ANNA
from tests.harness.tablet_stack import STAFF

pytestmark = pytest.mark.browser


def count_requests(app, path: str) -> list[int]:
    """Counts the gateway's answers to `path` (to tell the cache from the network)."""
    seen = [0]
    inner = app.wsgi_app

    def counting(environ, start_response):
        if environ.get("PATH_INFO") == path:
            seen[0] += 1
        return inner(environ, start_response)

    app.wsgi_app = counting
    return seen


def server_state(stack) -> tuple[list[dict], list[dict]]:
    """Anna's consents and applications, as the API tells a staff member."""
    browser = stack.browser()
    stack.login(browser, STAFF, channel="tablet")
    consents = browser.get(
        f"{stack.gateway}/api/consents/consents", params={"citizen_id": ANNA}
    ).json()["consents"]
    applications = browser.get(
        f"{stack.gateway}/api/applications", params={"citizen_id": ANNA}
    ).json()
    if isinstance(applications, dict):
        applications = applications.get("applications", [])
    return consents, applications


def test_staff_work_offline_on_the_tablet_and_everything_is_sent_once(
    tablet_stack, tablet, tmp_path
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    shell_hits = count_requests(stack.app, "/tablet/")

    # Log in as staff on the tablet channel; back on /tablet/ with today's visits in time order.
    page.goto(f"{stack.gateway}/auth/login?channel=tablet&next=/tablet/")
    page.click(f"button[name=sub][value='{STAFF}']")
    page.wait_for_url(stack.gateway + "/tablet/")
    visits = page.locator("#visits > li")
    expect(visits).to_have_count(2)
    assert visits.nth(0).locator(".visit-time").inner_text() == "09.00–09.45"
    assert "Vestergade 3" in visits.nth(0).inner_text()
    assert "Vurdering af hjemmehjælp" in visits.nth(0).inner_text()
    assert "Bredgade 12" in visits.nth(1).inner_text()
    expect(page.locator("#net")).to_have_text("På net")
    assert page.locator("h1").inner_text() == "Dagens besøg"

    # The service worker is installed and holds the app shell (page, style, modules).
    assert page.evaluate("""async () => {
        await navigator.serviceWorker.ready;
        for (let i = 0; i < 100; i++) {
            const cache = await caches.open('sb-tablet-shell-v5');
            if ((await cache.keys()).length === 17) return true;
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return false;
    }""")
    page.wait_for_selector("body[data-fetched]")
    page.screenshot(path=str(tmp_path / "1-visits-online.png"), full_page=True)

    # No network: the page opens from the cache, with the visits kept on the tablet.
    context.set_offline(True)
    hits_before = shell_hits[0]
    page.reload()
    expect(visits).to_have_count(2)
    expect(page.locator("#net")).to_have_text("Uden net")
    expect(page.locator("#banner")).to_contain_text("Uden net")
    assert shell_hits[0] == hits_before, "the page came from the network, not the cache"
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    # Consent: the citizen reads the Danish text and says yes; the staff member attests.
    visits.nth(0).locator("button.open").click()
    page.click("button.consent")
    expect(page.locator("h1")).to_have_text("Indhent samtykke")
    expect(page.locator("#consent-text")).to_contain_text("Jeg giver kommunen lov til at hente")
    expect(page.locator("#consent-text")).to_contain_text("Hvis du siger nej")
    page.screenshot(path=str(tmp_path / "2-consent-offline.png"), full_page=True)
    page.click("#citizen-yes")
    page.click("#save-consent")
    expect(page.locator("#attest-msg")).to_be_visible()  # not attested yet: not saved
    page.check("#attest")
    page.click("#save-consent")
    expect(page.locator("h1")).to_have_text("Besøg hos borgeren")
    expect(page.locator("#queue")).to_have_text("Venter på net (1)")

    # Start an application for her and leave it as a draft for her to finish, also queued.
    page.click("button.apply")
    expect(page.locator("h1")).to_have_text("Start ansøgning")
    page.click("label.choice:has-text('Hjælpemidler')")
    page.click("#start-application")
    page.fill("#f-device_name", "Rollator")
    page.click("#keep-draft")
    expect(page.locator("#queue")).to_have_text("Venter på net (2)")
    page.click("button.back")
    expect(page.locator("#outbox li[data-state=waiting]")).to_have_count(2)
    page.screenshot(path=str(tmp_path / "3-queued-offline.png"), full_page=True)
    assert server_state(stack) == ([], [])

    # The answers to the first attempts are lost on the way back: the server acts, the tablet
    # hears nothing and sends again later.
    lost: list[str] = []

    def lose_first_answer(route):
        if route.request.method == "POST" and route.request.url not in lost:
            route.fetch()  # the server does it
            lost.append(route.request.url)
            route.abort()  # the tablet never hears
        else:
            route.continue_()

    page.route("**/api/**", lose_first_answer)

    # Network again: both are sent, in order, and shown as sent.
    context.set_offline(False)
    expect(page.locator("#outbox li[data-state=waiting]").first).to_be_visible()
    for _ in range(3):  # the tablet tries again (the "online" event, or its timer)
        if len(lost) >= 2:
            break
        page.wait_for_timeout(300)
        page.evaluate("window.dispatchEvent(new Event('online'))")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#outbox li[data-state=sent]")).to_have_count(2)
    assert len(lost) == 2
    expect(page.locator("#queue")).to_have_text("Alt er sendt")
    expect(page.locator("#net")).to_have_text("På net")
    page.screenshot(path=str(tmp_path / "4-sent-online.png"), full_page=True)
    page.click("#lang")  # English second
    expect(page.locator("h1")).to_have_text("Today's visits")
    expect(page.locator("#queue")).to_have_text("All sent")
    expect(page.locator("#outbox li[data-kind=consent] .state")).to_have_text("Sent")
    page.click("#lang")
    expect(page.locator("h1")).to_have_text("Dagens besøg")
    device = page.evaluate("localStorage.getItem('sb_tablet_device')")
    consents, applications = server_state(stack)
    assert len(consents) == 1 and len(applications) == 1
    consent = consents[0]
    assert consent["channel"] == "tablet" and consent["device_id"] == device
    assert consent["attested_by"] == STAFF and consent["given_by"] == ANNA
    assert consent["status"] == "active" and consent["purpose"] == "home_care_assessment"
    assert applications[0]["type"] == "hjaelpemidler" and applications[0]["state"] == "draft"
    assert applications[0]["citizen_id"] == ANNA
    assert applications[0]["answers"] == {"device_name": "Rollator"}
    assert applications[0]["created_by"]["name"] == "Erik Eriksen"
    assert script_errors(page) == []


def test_a_consent_overtaken_while_offline_is_shown_as_not_in_force(tablet_stack, tablet, tmp_path):
    """Collected offline, but the citizen withdrew on the phone before the tablet synced: the
    server records it as superseded, and the tablet says so clearly."""
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    page.goto(f"{stack.gateway}/auth/login?channel=tablet&next=/tablet/")
    page.click(f"button[name=sub][value='{STAFF}']")
    page.wait_for_url(stack.gateway + "/tablet/")
    expect(page.locator("#visits > li")).to_have_count(2)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_selector("body[data-fetched]")

    context.set_offline(True)
    page.locator("#visits > li").nth(0).locator("button.open").click()
    page.click("button.consent")
    page.click("#citizen-yes")
    page.check("#attest")
    page.click("#save-consent")
    expect(page.locator("#queue")).to_have_text("Venter på net (1)")

    # Meanwhile, on her phone, Anna gives and then withdraws the same consent.
    anna = stack.browser()
    stack.login(anna, ANNA)
    purpose = next(
        p
        for p in anna.get(f"{stack.gateway}/api/consents/purposes").json()["purposes"]
        if p["code"] == "home_care_assessment"
    )
    given = anna.post(
        f"{stack.gateway}/api/consents/consents",
        headers=stack.csrf(anna),
        json={
            "purpose": purpose["code"],
            "text_version": purpose["current_version"],
            "data_categories": purpose["data_categories"],
            "sources": purpose["sources"],
            "consent_id": str(uuid.uuid4()),
        },
    )
    assert given.status_code == 201, given.text
    withdrawn = anna.post(
        f"{stack.gateway}/api/consents/consents/{given.json()['id']}/withdrawal",
        headers=stack.csrf(anna),
        json={},
    )
    assert withdrawn.status_code in (200, 201), withdrawn.text

    context.set_offline(False)
    page.click("button.back")
    item = page.locator("#outbox li[data-kind=consent]")
    expect(item).to_have_attribute("data-state", "superseded")
    expect(item.locator(".state")).to_have_text("Ikke gældende")
    expect(page.locator("#queue")).to_have_text("Se beskeden (1)")
    # Shown at the top, in the server's own words, until the staff member has seen it.
    attention = page.locator("#attention")
    expect(attention).to_contain_text("Ikke gældende")
    expect(attention).to_contain_text("tilbagetrækning")
    page.screenshot(path=str(tmp_path / "5-superseded.png"), full_page=True)
    attention.locator("button.seen").click()
    expect(attention).to_have_count(0)
    expect(page.locator("#queue")).to_have_text("Alt er sendt")
    assert script_errors(page) == []


def test_a_session_that_ended_offline_keeps_the_outbox_until_the_staff_logs_in(
    tablet_stack, tablet, tmp_path
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    page.goto(f"{stack.gateway}/auth/login?channel=tablet&next=/tablet/")
    page.click(f"button[name=sub][value='{STAFF}']")
    page.wait_for_url(stack.gateway + "/tablet/")
    expect(page.locator("#visits > li")).to_have_count(2)
    page.wait_for_selector("body[data-fetched]")

    context.set_offline(True)
    page.locator("#visits > li").nth(1).locator("button.open").click()
    page.click("button.apply")
    page.click("#start-application")
    page.click("#keep-draft")
    expect(page.locator("#queue")).to_have_text("Venter på net (1)")

    # The session ends while the tablet is offline (the cookie is gone).
    context.clear_cookies()
    context.set_offline(False)
    expect(page.locator("#queue")).to_have_text("Log ind for at sende (1)")
    expect(page.locator("#banner")).to_contain_text("Log ind igen for at sende dem")
    assert server_state(stack)[1] == []
    page.screenshot(path=str(tmp_path / "6-log-in-again.png"), full_page=True)

    page.click("#login-again")
    page.click(f"button[name=sub][value='{STAFF}']")
    page.wait_for_url(stack.gateway + "/tablet/")
    expect(page.locator("#outbox li[data-state=sent]")).to_have_count(1)
    assert len(server_state(stack)[1]) == 1
    assert script_errors(page) == []
