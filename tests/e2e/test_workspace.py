"""The caseworker workspace in Chromium: Dorte carries Anna's case from the queue to a decision
and two monthly payments, each step through the case-action API, with the page checked by
axe-core in Danish and English; she fetches data with Anna's consent (refused, with the reason,
before Anna gives one). Anna applies and answers the request for information through
the API here (her screens are the portal's, tested in test_portal_applications.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.casework.site import DORTE, Casework
from tests.casework.site import casework as casework
from tests.e2e.axe import check_accessibility
from tests.harness.browser import script_errors
from tests.harness.gateway_stack import ANNA

pytestmark = pytest.mark.browser


def do(page, action: str, **fields: str) -> None:
    """Open an action's form, fill it in and send it; wait for the page to say it was saved."""
    page.click(f"#action-{action} summary")
    for name, value in fields.items():
        if name == "outcome":
            page.check(f"#outcome-{value}")
        else:
            page.fill(f"#{name}", value)
    page.evaluate("document.getElementById('done')?.remove()")  # the last action's notice
    page.click(f"#form-{action} button[type=submit]")
    page.wait_for_selector("#done")


def test_a_caseworker_takes_a_case_from_the_queue_to_two_monthly_payments(
    casework: Casework,
    tablet,
):
    from playwright.sync_api import expect

    _, page = tablet
    page.set_default_timeout(15000)
    case = casework.submitted(ANNA)
    gateway = casework.stack.gateway

    page.goto(gateway + "/workspace/")
    page.click(f"button[name=sub][value='{DORTE}']")  # the provider's page: log in as Dorte
    page.wait_for_selector("#queue")
    row = page.locator(f"#queue tr[data-id='{case['id']}']")
    expect(row).to_contain_text(case["case_number"])
    check_accessibility(page, state="queue")
    row.locator("button.claim").focus()  # from the keyboard: the claim, then open the case
    page.keyboard.press("Enter")
    expect(page.locator(f"#queue tr[data-id='{case['id']}'] .assignee")).to_have_text(DORTE)
    expect(page.locator(f"#queue tr[data-id='{case['id']}'] a")).to_be_focused()

    page.keyboard.press("Enter")
    page.wait_for_selector("#actions")
    expect(page.locator("#answers")).to_contain_text("Rollator")
    check_accessibility(page, state="case")
    page.click("#start")
    page.wait_for_selector("#done")

    # Fetch with consent: refused and explained without one, kept with its source and consent
    # once Anna has given one that names the case.
    fetch = "#fetch-therapist_assessment"
    page.click(fetch)
    expect(page.locator("#fetched #problem")).to_contain_text("Borgeren har ikke givet samtykke")
    expect(page.locator("#fetched #problem")).to_contain_text("Intet er hentet")
    expect(page.locator("#fetched .fetched-record")).to_have_count(0)
    consent_id = casework.consent(case_ref=case["id"])
    page.reload()
    expect(page.locator("#fetched .fetch-offer[data-fetch=therapist_assessment]")).to_contain_text(
        "Samtykke i kraft"
    )
    page.click(fetch)
    record = page.locator("#fetched .fetched-record")
    expect(record).to_contain_text("ergoterapeuten")
    expect(record).to_contain_text(consent_id)
    expect(record).to_contain_text("Ergoterapeutens vurdering")
    check_accessibility(page, state="case with fetched data")
    deadline = (date.today() + timedelta(days=14)).isoformat()
    do(page, "request_information", message="Send en lægeerklæring.", deadline=deadline)
    expect(page.locator("h1 + dl")).to_contain_text("Vi mangler noget fra dig")

    # Anna answers (through the API: her answer screen is the portal's).
    answered = casework.post(
        ANNA, f"/api/applications/{case['id']}/submit", {"message": "Erklæringen er vedhæftet."}
    )
    assert answered.status_code == 200 and answered.json()["state"] == "under_review"
    page.reload()
    page.wait_for_selector("#action-decide")
    do(
        page,
        "decide",
        outcome="granted",
        reason="Varigt nedsat funktionsevne.",
        amount="1500",
    )
    do(page, "pay", pay_amount="1500", paid_on="2026-12-01", period="2026-12")
    do(page, "pay", pay_amount="1500", paid_on="2027-01-01", period="2027-01")
    expect(page.locator("#payments li")).to_have_count(2)
    expect(page.locator("#payments")).to_contain_text("2027-01")
    do(page, "note", note="Ringede til borgeren om udbetalingen.")
    expect(page.locator("#notes")).to_contain_text("Ringede til borgeren")

    # In English too, and still accessible.
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    expect(page.locator("#payments-h")).to_have_text("Payments")
    expect(page.locator("h1")).to_have_text("Assistive devices")  # the catalogue's English title
    expect(page.locator("#history")).to_contain_text("Payment registered")
    assert "Gemt" not in page.locator("#app").inner_text()  # no Danish left behind
    check_accessibility(page, state="case, English")
    assert not script_errors(page)

    # What Anna sees: the decision and the payments' status, never the note.
    seen = casework.get(ANNA, f"/api/applications/{case['id']}").json()
    assert seen["state"] == "paid_out" and seen["outcome"] == "granted"
    history = casework.get(ANNA, f"/api/applications/{case['id']}/history").json()
    assert [h["action"] for h in history][-3:] == ["decide", "pay", "pay"]
    assert "Ringede" not in str(history)
