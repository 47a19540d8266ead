"""A whole home visit on the tablet with the network cut (docs/tablet.md), in Debian's Chromium.

Erik (home care) opens today's route and then loses the network. Offline he opens Anna's visit,
fills in an application for a walker with her (one warning, one photo), she confirms it and he
attests, he collects her consent, closes the visit with a note, and reloads the page, still
offline. When the network returns everything arrives once: one submitted application (channel
tablet, Erik as attester, Anna as the party) with its photo, one consent, one completed visit,
and the receipt in Anna's messages. Each screen passes axe-core; the screenshots are the ones
in docs/tablet.md (SB_TABLET_SCREENSHOTS=docs/img/tablet writes them there).
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from tests.e2e.axe import check_accessibility
from tests.e2e.test_tablet_offline import count_requests
from tests.harness.browser import script_errors
from tests.harness.gateway_stack import ANNA
from tests.harness.tablet_stack import COPENHAGEN, STAFF, VISIT, begun_slot

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SB_TABLET_SCREENSHOTS")  # a folder: write docs/tablet.md's pictures
# A tiny JPEG's first bytes are enough for the service's check of the type (a photo).
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def shot(page, tmp_path, name: str) -> None:
    """Every screen shown is checked with axe-core, then photographed."""
    check_accessibility(page, state=name)
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top of the picture
    page.screenshot(path=str(folder / f"tablet-{name}.png"), full_page=True)


def book_visit_now(stack, citizen_id: str = ANNA, name: str = "Anna Andersen") -> dict:
    """A home visit for Erik that has begun (a visit closes only once begun), out of the way of
    the visits the stack seeded for him, whatever the time of day the test runs."""
    browser = stack.browser()
    stack.login(browser, STAFF, channel="tablet")
    seeded = [
        (datetime.fromisoformat(v["starts_at"]), datetime.fromisoformat(v["ends_at"]))
        for v in (getattr(stack, "visits", None) or [])
    ]
    starts = begun_slot(datetime.now(COPENHAGEN), seeded)
    answer = browser.post(
        f"{stack.gateway}/api/appointments/appointments",
        json={
            "citizen_id": citizen_id,
            "citizen_name": name,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + VISIT).isoformat(),
            "kind": "home_visit",
            "address": "Nørregade 7, 1. tv., 5000 Odense C",
            "staff_ids": [STAFF],
            "tasks": ["Ansøgning om rollator", "Samtykke"],
        },
        headers={**stack.csrf(browser), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def log_in(page, stack) -> None:
    page.goto(f"{stack.gateway}/auth/login?channel=tablet&next=/tablet/")
    page.click(f"button[name=sub][value='{STAFF}']")
    page.wait_for_url(stack.gateway + "/tablet/")
    page.wait_for_selector("body[data-fetched]")
    assert page.evaluate("""async () => {
        await navigator.serviceWorker.ready;
        for (let i = 0; i < 100; i++) {
            const cache = await caches.open('sb-tablet-shell-v5');
            if ((await cache.keys()).length === 17) return true;
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return false;
    }""")


def as_staff(stack):
    browser = stack.browser()
    stack.login(browser, STAFF, channel="tablet")
    return browser


def receipts_for(stack, citizen_id: str, folder: Path) -> list[dict]:
    """The applications service's events, handed to the notifications service's real handler
    (the consumer's inbox included) as the bus would: the messages it makes for the citizen."""
    from kit.config import Settings
    from kit.inbox import handle_once
    from kit.migrate import upgrade
    from services.notifications.app import create_app
    from services.notifications.handlers import GROUP, event_handler
    from tests.builders import outbox_events
    from tests.tokens import TokenIssuer

    url = f"sqlite:///{folder / 'notifications.db'}"
    upgrade("notifications", url)
    app = create_app(
        Settings(service="notifications", database_url=url), verifier=TokenIssuer().verifier()
    )
    notifications = app.extensions["notifications"]
    handle = handle_once(notifications.engine, GROUP, event_handler(notifications))
    for event in outbox_events(stack.engines["applications"]):
        handle(event)
    try:
        return notifications.messages_about(citizen_id)
    finally:
        app.extensions["runtime"].close()


def test_a_whole_visit_offline_arrives_once_when_the_network_returns(
    tablet_stack,
    tablet,
    tmp_path,
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    visit = book_visit_now(stack)
    log_in(page, stack)
    card = page.locator(f"li[data-appointment='{visit['id']}']")
    expect(card).to_contain_text("Anna Andersen")
    expect(card).to_contain_text("Nørregade 7")
    shot(page, tmp_path, "1-route")

    # The network goes; the app opens from the service worker's cache with the day's data.
    context.set_offline(True)
    shell_hits = count_requests(stack.app, "/tablet/")
    page.reload()
    expect(page.locator("#net")).to_have_text("Uden net")
    assert shell_hits[0] == 0, "the page came from the network"
    card.locator("button.open").click()
    expect(page.locator("h1")).to_have_text("Besøg hos Anna Andersen")
    expect(page.locator("#visit-address")).to_have_text("Nørregade 7, 1. tv., 5000 Odense C")
    expect(page.locator("#applications")).to_contain_text("Ingen åbne ansøgninger")
    shot(page, tmp_path, "2-visit")

    # The application, step by step, with the same guidance as the portal.
    page.click("button.apply")
    page.click("label.choice:has-text('Hjælpemidler')")
    page.click("#start-application")
    expect(page.locator("h1")).to_have_text("Hjælpemidlet")
    page.click("#next")  # nothing answered: the required fields are named
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#wrap-device_name .msg-error")).to_contain_text("Udfyld")
    page.fill("#f-device_name", "Rollator med sæde")
    page.check("#f-application_kind-0")
    page.check("#f-already_bought-1")
    page.check("#f-ordinary_product-1")
    page.check("#f-own_supplier-0")  # own supplier: a price quote is asked for
    expect(page.locator("#wrap-own_supplier .msg-hint")).to_be_visible()
    shot(page, tmp_path, "3-form")
    page.click("#next")
    page.fill("#f-disability_description", "Svært ved at gå mere end 50 meter.")
    page.check("#f-condition_permanent-1")  # not permanent: a warning
    expect(page.locator("#wrap-condition_permanent .msg-warning")).to_be_visible()
    page.check("#f-purpose-0")
    page.click("#next")

    # The attachments: a photo from the tablet's camera, kept on the tablet.
    expect(page.locator("h1")).to_have_text("Bilag")
    page.click("#next")  # the price quote is missing: said so, not sent on
    expect(page.locator("#att-price_quote-msg .msg-error")).to_be_visible()
    page.set_input_files(
        "#att-price_quote-camera",
        files=[{"name": "tilbud.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}],
    )
    expect(page.locator("[data-attachment=price_quote] .files")).to_contain_text("tilbud.jpg")
    page.set_input_files(  # not a type the service accepts: refused on the tablet
        "#att-medical_documentation-file",
        files=[{"name": "noter.txt", "mimeType": "text/plain", "buffer": b"hej"}],
    )
    expect(page.locator("#att-medical_documentation-msg")).to_contain_text("Filtypen")
    shot(page, tmp_path, "4-attachments")
    page.click("#next")

    # The summary; the citizen confirms, the staff member attests, then it waits to be sent.
    expect(page.locator("h1")).to_have_text("Se ansøgningen igennem med borgeren")
    expect(page.locator("#review-warning li")).to_have_count(1)
    expect(page.locator("#review-warning")).to_contain_text("varig")
    expect(page.locator("#review-error")).to_have_count(0)
    page.click("#send")
    expect(page.locator("#confirm-msg")).to_be_visible()  # not confirmed: not sent
    page.check("#citizen-confirms")
    page.check("#staff-attests")
    shot(page, tmp_path, "5-review")
    page.click("#send")
    expect(page.locator("h1")).to_have_text("Besøg hos Anna Andersen")
    expect(page.locator("#queue")).to_have_text("Venter på net (1)")

    # Consent, then the visit closed with a note.
    page.click("button.consent")
    page.click("#citizen-yes")
    page.check("#attest")
    page.click("#save-consent")
    page.click("button.close-visit")
    page.fill("#visit-note", "Ansøgning om rollator udfyldt sammen med Anna.")
    shot(page, tmp_path, "6-close")
    page.click("#visit-done")
    expect(page.locator("#queue")).to_have_text("Venter på net (3)")

    # A reload (or a browser restart) while offline: the work and its state are still there.
    page.reload()
    expect(page.locator("#queue")).to_have_text("Venter på net (3)")
    expect(page.locator("#outbox li[data-state=waiting]")).to_have_count(3)
    shot(page, tmp_path, "7-waiting")
    staff = as_staff(stack)
    assert staff.get(f"{stack.gateway}/api/applications", params={"citizen_id": ANNA}).json() == []

    # The network returns: everything is sent, in order, once.
    context.set_offline(False)
    expect(page.locator("#outbox li[data-state=sent]")).to_have_count(3)
    expect(page.locator("#queue")).to_have_text("Alt er sendt")
    expect(page.locator("#outbox li[data-kind=application]")).to_contain_text("Sagsnummer")
    expect(card.locator(".visit-head")).to_contain_text("Gennemført")  # the route, fetched again
    shot(page, tmp_path, "8-sent")

    (application,) = staff.get(
        f"{stack.gateway}/api/applications", params={"citizen_id": ANNA}
    ).json()
    assert application["state"] == "submitted" and application["type"] == "hjaelpemidler"
    assert application["channel"] == "tablet" and application["citizen_id"] == ANNA
    assert application["attested_by"] == STAFF and application["citizen_confirmed_at"]
    assert application["created_by"]["name"] == "Erik Eriksen"
    assert application["attachments_provided"] == ["price_quote"]
    documents = staff.get(f"{stack.gateway}/api/applications/{application['id']}/documents").json()
    assert [(d["filename"], d["requirement_id"]) for d in documents] == [
        ("tilbud.jpg", "price_quote")
    ]
    consents = staff.get(
        f"{stack.gateway}/api/consents/consents", params={"citizen_id": ANNA}
    ).json()["consents"]
    assert len(consents) == 1 and consents[0]["attested_by"] == STAFF
    closed = staff.get(f"{stack.gateway}/api/appointments/appointments/{visit['id']}").json()
    assert closed["status"] == "completed"
    assert closed["history"][-1]["reason"] == "Ansøgning om rollator udfyldt sammen med Anna."
    receipts = [
        m for m in receipts_for(stack, ANNA, tmp_path) if application["case_number"] in str(m)
    ]
    assert receipts, "no receipt message for the citizen"

    # Once more after a lost answer: nothing new is recorded.
    page.reload()
    expect(page.locator("#outbox li[data-state=sent]")).to_have_count(3)
    assert (
        len(staff.get(f"{stack.gateway}/api/applications", params={"citizen_id": ANNA}).json()) == 1
    )
    assert script_errors(page) == []
