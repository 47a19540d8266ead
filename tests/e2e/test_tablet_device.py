"""The data on the tablet (docs/decisions/0017-tablet-device-storage.md): encrypted in IndexedDB
under a key the page cannot export; wiped at logout, after the idle time (the clock is
injected) and when another staff member logs in; unsent work is never wiped silently: the
staff member is asked, and it stays encrypted until it is sent."""

from __future__ import annotations

import pytest

from tests.e2e.test_tablet_visit import book_visit_now, log_in
from tests.harness.browser import script_errors
from tests.harness.gateway_stack import ANNA

pytestmark = pytest.mark.browser

# What IndexedDB holds for the app: record names, whether the key can be exported, and
# whether any record's stored bytes show personal data in the clear.
STORE = """async (needle) => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes('sb-tablet')) return {exists: false, records: [], keys: 0};
    const db = await new Promise((ok, no) => {
        const r = indexedDB.open('sb-tablet'); r.onsuccess = () => ok(r.result); r.onerror = no;
    });
    const all = (store, what) => new Promise((ok) => {
        const r = db.transaction(store).objectStore(store)[what](); r.onsuccess = () => ok(r.result);
    });
    const records = await all('records', 'getAllKeys');
    const values = await all('records', 'getAll');
    const keys = await all('keys', 'getAll');
    db.close();
    const clear = values.some((v) => new TextDecoder().decode(v.data).includes(needle));
    return {exists: true, records, keys: keys.length,
            extractable: keys.map((k) => k.extractable), algorithm: keys.map((k) => k.algorithm.name),
            clear};
}"""


def queue_a_consent(page, visit_id: str) -> None:
    page.locator(f"li[data-appointment='{visit_id}'] button.open").click()
    page.click("button.consent")
    page.click("#citizen-yes")
    page.check("#attest")
    page.click("#save-consent")


def test_the_day_is_encrypted_on_the_tablet_and_logout_leaves_indexeddb_empty(
    tablet_stack,
    tablet,
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    book_visit_now(stack)
    log_in(page, stack)
    stored = page.evaluate(STORE, ANNA)
    assert {"route", "citizens", "me", "defs"} <= set(stored["records"])
    assert stored["algorithm"] == ["AES-GCM"] and stored["extractable"] == [False]
    assert stored["clear"] is False  # Anna's id, name, address: only ciphertext on the disk
    assert page.evaluate("JSON.stringify(localStorage)").find("Anna") == -1

    with page.expect_navigation():
        page.click("#logout")
    page.goto(f"{stack.gateway}/tablet/")
    expect(page.locator("#login")).to_be_visible()
    after = page.evaluate(STORE, ANNA)
    assert after["records"] == [] and after["keys"] == 0
    assert script_errors(page) == []


def test_logout_with_unsent_work_asks_and_keeps_only_that_encrypted(
    tablet_stack,
    tablet,
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    visit = book_visit_now(stack)
    log_in(page, stack)
    context.set_offline(True)
    queue_a_consent(page, visit["id"])
    expect(page.locator("#queue")).to_have_text("Venter på net (1)")
    context.set_offline(False)
    page.route("**/api/consents/**", lambda route: route.abort())  # it cannot be sent yet

    asked: list[str] = []

    def say_no_then_yes(dialog):
        asked.append(dialog.message)
        (dialog.dismiss if len(asked) == 1 else dialog.accept)()

    page.on("dialog", say_no_then_yes)
    page.click("#logout")
    assert "ikke sendt" in asked[0]
    assert "route" in page.evaluate(STORE, ANNA)["records"]  # said no: nothing removed
    with page.expect_navigation():
        page.click("#logout")
    page.goto(f"{stack.gateway}/tablet/")
    expect(page.locator("#login")).to_be_visible()
    kept = page.evaluate(STORE, ANNA)
    assert kept["records"] == ["outbox"] and kept["clear"] is False

    page.unroute("**/api/consents/**")
    log_in(page, stack)  # he logs in again: the kept consent is sent
    expect(page.locator("#outbox li[data-state=sent]")).to_have_count(1)


CLOCK = """window.SB_TABLET_CLOCK = () =>
    Date.now() + Number(localStorage.getItem('test_clock_ahead_ms') || 0);"""


def test_after_the_idle_time_the_day_is_wiped_and_unsent_work_kept(
    tablet_stack,
    tablet,
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    context.add_init_script(CLOCK)
    visit = book_visit_now(stack)
    log_in(page, stack)
    context.set_offline(True)
    queue_a_consent(page, visit["id"])

    # Eleven hours later: still within the idle time, nothing is wiped.
    page.evaluate(f"localStorage.setItem('test_clock_ahead_ms', '{11 * 3600 * 1000}')")
    page.reload()
    expect(page.locator("#visits > li")).to_have_count(3)
    assert "route" in page.evaluate(STORE, ANNA)["records"]

    # Thirteen hours after the last use (the reload above was a use): wiped, unsent kept.
    page.evaluate(f"localStorage.setItem('test_clock_ahead_ms', '{24 * 3600 * 1000}')")
    page.reload()
    expect(page.locator("#notice")).to_contain_text("ikke været brugt i 12 timer")
    expect(page.locator("#visits")).to_have_count(0)
    assert page.evaluate(STORE, ANNA)["records"] == ["outbox"]
    expect(page.locator("#outbox li[data-state=waiting]")).to_have_count(1)


def test_another_staff_member_logging_in_does_not_see_the_previous_ones_day(
    tablet_stack,
    tablet,
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    visit = book_visit_now(stack)
    log_in(page, stack)
    context.set_offline(True)
    queue_a_consent(page, visit["id"])
    context.set_offline(False)
    page.route("**/api/consents/**", lambda route: route.abort())
    context.clear_cookies()  # Erik's session ends (e.g. the tablet is handed over)

    page.goto(f"{stack.gateway}/auth/login?channel=tablet&next=/tablet/")
    page.click("button[name=sub][value='hjemmehjaelp-jonna']")
    page.wait_for_url(stack.gateway + "/tablet/")
    page.wait_for_selector("body[data-fetched]")
    expect(page.locator("#who")).to_contain_text("Jonna")
    expect(page.locator(f"li[data-appointment='{visit['id']}']")).to_have_count(0)
    assert "Anna Andersen" not in page.locator("main").inner_text()
    # Erik's unsent consent: kept encrypted, and Jonna is asked what to do with it.
    expect(page.locator("#other-staff")).to_contain_text("hjemmehjaelp-erik")
    expect(page.locator("#outbox li[data-state=waiting]")).to_have_count(1)


def test_unsent_work_and_its_state_survive_a_browser_restart_while_offline(tablet_stack, tmp_path):
    """The browser is closed and opened again with no network (the same profile on disk): the
    app opens from the service worker, the work waits with its state, and is sent later."""
    from playwright.sync_api import expect

    from tests.harness.browser import CHROMIUM, FLAGS, TABLET, playwright_session

    stack = tablet_stack
    visit = book_visit_now(stack)
    profile = tmp_path / "profile"
    with playwright_session() as playwright:

        def open_browser():
            context = playwright.chromium.launch_persistent_context(
                str(profile),
                executable_path=CHROMIUM,
                headless=True,
                args=FLAGS,
                locale="da-DK",
                viewport=TABLET,
                service_workers="allow",
            )
            return context, context.pages[0] if context.pages else context.new_page()

        context, page = open_browser()
        page.set_default_timeout(20000)
        log_in(page, stack)
        context.set_offline(True)
        queue_a_consent(page, visit["id"])
        expect(page.locator("#queue")).to_have_text("Venter på net (1)")
        context.close()  # the browser is closed

        context, page = open_browser()
        page.set_default_timeout(20000)
        context.set_offline(True)
        page.goto(f"{stack.gateway}/tablet/")
        expect(page.locator("#queue")).to_have_text("Venter på net (1)")
        expect(page.locator("#outbox li[data-state=waiting]")).to_have_count(1)
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#outbox li[data-state=sent]")).to_have_count(1)
        context.close()
