"""The citizen portal's "Mine samtykker" and "Mine aftaler" in a real browser at a phone's size:
Anna sees the consent Erik collected on his tablet, withdraws it after a confirmation, and the
consents service agrees; she books a free video counselling time, sees it listed, and cancels
it."""

from __future__ import annotations

import pytest

from tests.e2e.test_portal_applications import phone, script_errors  # noqa: F401 - fixture
from tests.harness.gateway_stack import ANNA
from tests.harness.tablet_stack import SELF_BOOKABLE

pytestmark = pytest.mark.browser


def login(page, site, path: str) -> None:
    page.goto(site.gateway + path)
    page.click(f"button[name=sub][value='{ANNA}']")
    page.wait_for_url(site.gateway + path)
    page.wait_for_selector("#app h1")


def test_a_citizen_sees_and_withdraws_a_consent(portal_stack, phone, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    page = phone
    page.set_default_timeout(10000)
    consent_id = portal_stack.consent["id"]
    login(page, portal_stack, "/samtykker/")
    assert page.locator("h1").inner_text() == "Mine samtykker"
    assert page.get_attribute("nav a[href='/samtykker/']", "aria-current") == "page"
    card = page.locator(f"li.consent[data-id='{consent_id}']")
    shown = card.inner_text()
    for text in (
        "Vurdering af hjemmehjælp",
        "Gælder",
        "dit helbred og din medicin",
        "din egen læge og hospitalet",
        "ANS-2026-0042",
        "På en medarbejders tablet",
        "hjemmehjaelp-erik",
        "Dig selv",
        "Udløber",
    ):
        assert text in shown, text
    assert "undefined" not in shown and "null" not in shown
    assert page.get_attribute("#export", "href") == "/api/consents/export"
    page.screenshot(path=str(tmp_path / "1-consents.png"), full_page=True)

    # Withdrawing asks first and says what happens; "Nej" keeps it.
    card.locator("button.withdraw").click()
    confirm = card.locator(".confirm")
    expect(confirm).to_contain_text("med det samme")
    page.click("#cancel-withdraw")
    expect(confirm).to_have_count(0)
    card.locator("button.withdraw").click()
    page.screenshot(path=str(tmp_path / "2-consent-confirm.png"), full_page=True)
    page.click("#confirm-withdraw")
    expect(page.locator("#notice")).to_contain_text("er trukket tilbage")
    expect(card.locator(".tag")).to_have_text("Trukket tilbage")
    expect(card.locator("button.withdraw")).to_have_count(0)

    # The service agrees, and the export (the download link's target) has it too.
    status = page.evaluate(
        """async (id) => (await (await fetch(
        '/api/consents/consents/' + id)).json()).status""",
        consent_id,
    )
    assert status == "withdrawn"
    exported = page.evaluate("""async () => (await (await fetch(
        '/api/consents/export')).json()).consents.map(c => c.status)""")
    assert exported == ["withdrawn"]

    page.click("#lang-switch")
    assert page.locator("h1").inner_text() == "My consents"
    expect(card.locator(".tag")).to_have_text("Withdrawn")
    assert page.locator("nav a[href='/aftaler/']").inner_text() == "My appointments"
    page.click("#lang-switch")
    assert script_errors(page) == []


def test_a_citizen_books_and_cancels_an_appointment(portal_stack, phone, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    page = phone
    page.set_default_timeout(10000)
    login(page, portal_stack, "/aftaler/")
    assert page.locator("h1").inner_text() == "Mine aftaler"

    page.click("#book")
    expect(page.locator("h1")).to_have_text("Book en tid")
    page.click(f"#services li[data-id='{SELF_BOOKABLE}'] button")
    page.wait_for_selector("#slots")
    expect(page.locator(".slot-day h2")).to_have_count(3)  # grouped by day, a few at a time
    page.screenshot(path=str(tmp_path / "3-slots.png"), full_page=True)
    page.click("#more-days")
    expect(page.locator(".slot-day h2")).to_have_count(6)
    # Not the very first free time: it lies just past the 24-hour cutoff, and a few seconds
    # before a half hour the cutoff would pass it while the test books, moves and cancels
    # (409 change_deadline_passed). The second day's first time is hours beyond it.
    slot = page.locator(".slot-day").nth(1).locator("button.slot").first
    starts_at = slot.get_attribute("data-start")
    slot.click()
    expect(page.locator("#confirm-h")).to_have_text("Book tiden?")
    page.click("#confirm-book")

    notice = page.locator("#notice")
    expect(notice).to_contain_text("Tiden er booket")
    card = page.locator("li.appointment-new")
    expect(card).to_contain_text("Videomøde")
    expect(card.locator("a.video-link")).to_have_text("Deltag i videomødet")
    assert " kl. " in card.inner_text()
    page.screenshot(path=str(tmp_path / "4-appointments.png"), full_page=True)
    appointment_id = card.get_attribute("data-id")
    booked = page.evaluate(
        """async (id) => (await (await fetch(
        '/api/appointments/appointments/' + id)).json())""",
        appointment_id,
    )
    assert booked["status"] == "booked" and booked["service_id"] == SELF_BOOKABLE
    assert booked["starts_at"] == starts_at

    # Moving it: another free time of the same service.
    card.locator("button.move").click()
    expect(page.locator("h1")).to_have_text("Flyt tiden")
    later = page.locator("button.slot").nth(1)
    moved_to = later.get_attribute("data-start")
    later.click()
    page.click("#confirm-book")
    expect(notice).to_contain_text("Tiden er flyttet")
    moved = page.evaluate(
        """async (id) => (await (await fetch(
        '/api/appointments/appointments/' + id)).json())""",
        appointment_id,
    )
    assert moved["status"] == "rescheduled" and moved["starts_at"] == moved_to
    card = page.locator(f"li.appointment[data-id='{appointment_id}']")
    expect(card).to_contain_text("Flyttet")

    # Visits staff booked for today (if still to come) are past the citizens' cutoff.
    expect(page.locator("li.appointment:not(.appointment-new) button.cancel")).to_have_count(0)
    card.locator("button.cancel").click()
    expect(card.locator(".confirm")).to_contain_text("aflyst med det samme")
    page.click("#confirm-cancel")
    expect(notice).to_contain_text("Tiden er aflyst")
    expect(page.locator(f"li.appointment[data-id='{appointment_id}']")).to_have_count(0)
    status = page.evaluate(
        """async (id) => (await (await fetch(
        '/api/appointments/appointments/' + id)).json()).status""",
        appointment_id,
    )
    assert status == "cancelled"
    assert script_errors(page) == []
