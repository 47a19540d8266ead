"""The citizen portal's journey in Chromium against the whole platform as `make run` starts it
(tests/e2e/platform.py): read a message; answer a request for information with a paper and see
the case move on; withdraw; grant a power of attorney, act on behalf as the proxy, revoke it and
see the proxy told so; see a caseworker's look in "Hvem har set mine data"; apply and submit
with the keyboard only. axe-core (tests/e2e/axe.py) checks every page and state on the way, in
Danish and in English, and no page needs sideways scrolling at 320 px."""

from __future__ import annotations

import os
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.axe import check_accessibility
from tests.e2e.platform import running_platform
from tests.harness.browser import keeping_errors, launched
from tests.harness.gateway_stack import ANNA
from tests.waiting import wait_until

pytestmark = pytest.mark.browser
CARL = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0003"  # a relative (mock provider's test person)
DAGMAR = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0004"
CASEWORKER = "sagsbehandler-dorte"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PORT_BASE = 24600
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_platform(tmp_path_factory.mktemp("platform") / "var", PORT_BASE) as platform:
        yield platform


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import expect

    expect.set_options(timeout=15000)  # a loaded machine: every process of make run on 2 cores
    with launched() as browser:
        yield browser


@pytest.fixture
def open_page(chromium, site):
    """open_page(sub) -> a phone-sized page logged in as `sub` (through the provider's page)."""
    contexts = []

    def opener(sub: str | None = None, path: str = "/"):
        context = chromium.new_context(locale="da-DK", viewport={"width": 390, "height": 844})
        contexts.append(context)
        page = keeping_errors(context.new_page(), console=False)
        page.set_default_timeout(15000)
        if sub:
            page.goto(f"{site.gateway}/auth/login?channel=portal&next={path}")
            page.click(f"button[name=sub][value='{sub}']")
            page.wait_for_selector("#who")
        return page

    yield opener
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    """A screenshot for docs/portal.md (docs/screenshots/<name>.png), taken when the run asks
    for them: SB_SCREENSHOTS=1 /work/tools/pt tests/e2e/test_portal_journey.py (docs/portal.md)."""
    if not os.environ.get("SB_SCREENSHOTS"):
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ready(page) -> None:
    from playwright.sync_api import expect

    page.wait_for_selector("main h1")
    expect(page.locator("#app .loading")).to_have_count(0)  # (no string predicates: CSP)


def reflows(page) -> bool:
    """WCAG 1.4.10: at 320 CSS px (400% of 1280) nothing needs sideways scrolling."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    fits = page.evaluate("document.documentElement.scrollWidth <= 320")
    page.set_viewport_size(size)
    return fits


def submitted_application(site, citizen) -> dict:
    """An application for an assistive device, filled in and sent through the API."""
    api = f"{site.gateway}/api/applications"
    answers = {
        "device_name": "Rollator",
        "application_kind": "new",
        "already_bought": False,
        "disability_description": "Jeg kan ikke gå langt uden støtte.",
        "condition_permanent": True,
        "purpose": "daily_life",
    }
    created = citizen.post(
        api,
        json={"type": "hjaelpemidler", "answers": answers},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    for requirement in ("medical_documentation", "price_quote"):
        citizen.post(
            f"{api}/{app_id}/attachments",
            files={"file": ("bilag.pdf", PDF, "application/pdf")},
            data={"requirement": requirement},
        )
    sent = citizen.post(f"{api}/{app_id}/submit", headers={"Idempotency-Key": str(uuid.uuid4())})
    assert sent.status_code == 200, sent.text
    return sent.json()


def case_action(site, staff, app_id: str, action: str, **params) -> dict:
    answer = staff.post(
        f"{site.gateway}/api/applications/{app_id}/case-actions", json={"action": action, **params}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_citizen_reads_the_request_answers_it_with_a_paper_and_the_case_moves_on(site, open_page):
    from playwright.sync_api import expect

    anna, dorte = site.session(ANNA), site.session(CASEWORKER)
    application = submitted_application(site, anna)
    app_id, number = application["id"], application["case_number"]
    case_action(site, dorte, app_id, "start_review")
    deadline = date.today() + timedelta(days=14)
    case_action(
        site,
        dorte,
        app_id,
        "request_information",
        deadline=deadline.isoformat(),
        message="Send et tilbud fra forhandleren.",
    )
    inbox = f"{site.gateway}/api/notifications/me/inbox"
    wait_until(
        lambda: any(
            number in letter["subject"]
            and "mangler" in letter["body"].lower()
            or number in letter["body"]
            and letter["read_at"] is None
            for letter in anna.get(inbox).json()["letters"]
        ),
        60,
        interval_s=0.5,
        message="the letter asking for information",
    )

    # Beskeder: newest first, unread marked; opening one shows the full text and reads it.
    page = open_page(ANNA, "/beskeder/")
    page.goto(site.gateway + "/beskeder/")
    ready(page)
    check_accessibility(page, state="messages")
    letters = page.locator("#letters > li")
    assert letters.count() >= 2
    newest = letters.nth(0)
    assert "letter-unread" in newest.get_attribute("class")
    expect(newest.locator(".tag-unread")).to_have_text("Ulæst")
    shot(page, "beskeder")
    newest.locator("summary").click()
    expect(newest.locator(".letter-body")).to_be_visible()
    assert number in newest.inner_text()
    expect(newest.locator(".tag-unread")).to_have_count(0)
    check_accessibility(page, state="a letter open")
    newest_id = newest.get_attribute("data-id")
    assert next(
        letter for letter in anna.get(inbox).json()["letters"] if letter["id"] == newest_id
    )["read_at"]

    # The case page: the deadline and the caseworker's words; an answer with a paper.
    page.goto(f"{site.gateway}/mine-sager/")
    ready(page)
    page.click(f"#cases li[data-id='{app_id}'] a")
    page.wait_for_url(f"{site.gateway}/mine-sager/{app_id}/")
    ready(page)
    expect(page.locator("#deadline")).to_contain_text(str(deadline.day))
    expect(page.locator(".asked-message")).to_have_text("Send et tilbud fra forhandleren.")
    check_accessibility(page, state="information requested")
    assert reflows(page)
    page.click("#answer-send")  # nothing written, nothing sent along: told what to do
    expect(page.locator("#answer-error")).to_be_visible()
    check_accessibility(page, state="answer error shown")
    page.fill("#answer-text", "Her er tilbuddet fra forhandleren.")
    page.select_option("#answer-kind", "price_quote")
    page.set_input_files(
        "#answer-file", files=[{"name": "tilbud.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("#answer-upload")
    expect(page.locator("#answer-files")).to_contain_text("tilbud.pdf")
    shot(page, "sag-svar")
    page.click("#answer-send")
    expect(page.locator("#notice")).to_contain_text("Dit svar er sendt")
    assert anna.get(f"{site.gateway}/api/applications/{app_id}").json()["state"] == "under_review"
    expect(page.locator("#answer-form")).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("Her er tilbuddet fra forhandleren.")
    expect(page.locator("#documents")).to_contain_text("tilbud.pdf")
    check_accessibility(page, state="answered")
    shot(page, "sag")

    # Withdrawing asks first; the answer is the case's new state.
    page.click("#withdraw")
    expect(page.locator("#confirm-h")).to_be_focused()
    check_accessibility(page, state="withdrawal confirmation")
    page.click("#confirm-withdraw")
    expect(page.locator("#notice")).to_contain_text("trukket tilbage")
    assert anna.get(f"{site.gateway}/api/applications/{app_id}").json()["state"] == "withdrawn"
    assert not page.errors


def test_a_relative_acts_for_a_citizen_until_the_power_of_attorney_is_revoked(site, open_page):
    from playwright.sync_api import expect

    # Dagmar gives Carl a power of attorney for her applications.
    dagmar_page = open_page(DAGMAR, "/fuldmagter/")
    dagmar_page.goto(site.gateway + "/fuldmagter/")
    ready(dagmar_page)
    dagmar_page.click("#grant")  # empty: every missing answer is said next to its field
    expect(dagmar_page.locator("#agent_name-error")).to_be_visible()
    expect(dagmar_page.locator("#agent_name")).to_be_focused()
    check_accessibility(dagmar_page, state="grant form errors")
    dagmar_page.fill("#agent_name", "Carl Carlsen")
    dagmar_page.fill("#agent_id", CARL)
    until = date.today() + timedelta(days=30)
    dagmar_page.fill("#valid_until", until.isoformat())
    dagmar_page.click("#grant")
    expect(dagmar_page.locator("#notice")).to_contain_text("Carl Carlsen har nu fuldmagt")
    expect(dagmar_page.locator("#given")).to_contain_text("Carl Carlsen")
    check_accessibility(dagmar_page, state="granted")
    shot(dagmar_page, "fuldmagter")

    # Carl logs in, switches to acting for Dagmar, and starts an application in her name.
    carl = site.session(CARL)
    wait_until(
        lambda: (
            carl.get(f"{site.gateway}/api/applications", params={"citizen_id": DAGMAR}).status_code
            == 200
        ),
        60,
        interval_s=0.5,
        message="the applications service to learn of the power of attorney",
    )
    carl_page = open_page(CARL, "/")
    expect(carl_page.locator("#acting-switch")).to_be_visible()
    carl_page.select_option("#acting-switch", label="På vegne af Dagmar Dalgaard")
    carl_page.click("#acting-apply")
    expect(carl_page.locator("#acting-now")).to_contain_text(
        "Du handler på vegne af Dagmar Dalgaard"
    )
    check_accessibility(carl_page, state="acting for someone")
    carl_page.goto(site.gateway + "/ansoeg/hjaelpemidler/")
    ready(carl_page)
    expect(carl_page.locator("#acting-now")).to_be_visible()  # the banner on every page
    shot(carl_page, "paa-vegne-af")
    carl_page.click("#start")
    carl_page.wait_for_selector("#step-form")
    dagmars = site.session(DAGMAR).get(f"{site.gateway}/api/applications").json()
    started = [a for a in dagmars if a["created_by"]["id"] == CARL]
    assert len(started) == 1 and started[0]["citizen_id"] == DAGMAR

    # Dagmar revokes it; Carl is told so clearly, not shown an error.
    dagmar_page.goto(site.gateway + "/fuldmagter/")
    ready(dagmar_page)
    dagmar_page.click("#given button.revoke")
    expect(dagmar_page.locator("#revoke-h")).to_be_focused()
    check_accessibility(dagmar_page, state="revoke confirmation")
    dagmar_page.click("#confirm-revoke")
    expect(dagmar_page.locator("#notice")).to_contain_text("trukket tilbage")
    carl_page.goto(site.gateway + "/mine-sager/")
    expect(carl_page.locator("#authority-ended")).to_be_visible()
    expect(carl_page.locator("h1")).to_have_text("Din fuldmagt gælder ikke længere")
    assert "Dagmar Dalgaard" in carl_page.locator("#authority-ended").inner_text()
    check_accessibility(carl_page, state="authority ended")
    shot(carl_page, "fuldmagt-ophoert")
    carl_page.click("#continue-self")
    ready(carl_page)
    expect(carl_page.locator("#acting-now")).to_have_count(0)
    assert not carl_page.errors and not dagmar_page.errors


def test_a_citizen_sees_a_caseworkers_look_in_who_has_seen_my_data(site, open_page):
    from playwright.sync_api import expect

    anna, dorte = site.session(ANNA), site.session(CASEWORKER)
    app_id = submitted_application(site, anna)["id"]
    assert dorte.get(f"{site.gateway}/api/applications/{app_id}").status_code == 200
    page = open_page(ANNA, "/hvem-har-set-mine-data/")
    page.goto(site.gateway + "/hvem-har-set-mine-data/")
    ready(page)
    entry = page.locator("#access-log > li", has_text=CASEWORKER).first
    expect(entry).to_contain_text("Medarbejder i kommunen")
    expect(entry).to_contain_text("Læste din ansøgning")
    check_accessibility(page, state="access log")
    shot(page, "hvem-har-set")


def test_every_portal_page_passes_axe_and_reflows_in_danish_and_english(site, open_page):
    from playwright.sync_api import expect

    page = open_page(ANNA, "/")
    app_id = submitted_application(site, site.session(ANNA))["id"]
    pages = {
        "/": "forside",
        "/ansoeg/": "ansoeg",
        "/ansoeg/enkeltudgifter/": "ansoeg-intro",
        "/mine-sager/": "mine-sager",
        f"/mine-sager/{app_id}/": None,
        "/beskeder/": None,
        "/aftaler/": "aftaler",
        "/samtykker/": "samtykker",
        "/fuldmagter/": None,
        "/hvem-har-set-mine-data/": None,
        "/indstillinger/": "indstillinger",
    }
    for language in ("da", "en"):
        for path, name in pages.items():
            page.goto(site.gateway + path)
            ready(page)
            assert page.evaluate("document.documentElement.lang") == language
            check_accessibility(page, state=language)
            assert reflows(page), path
            if name and language == "da":
                shot(page, name)
        if language == "da":
            page.click("#lang-switch")
            expect(page.locator("nav.site-nav")).to_contain_text("Who has seen my data")
    expect(page.locator("nav.site-nav")).to_contain_text("Messages")
    assert not page.errors


def test_a_citizen_lets_the_municipality_fetch_her_income_and_types_the_rest(site, open_page):
    from playwright.sync_api import expect

    anna = site.session(ANNA)
    created = anna.post(
        f"{site.gateway}/api/applications",
        json={
            "type": "enkeltudgifter",
            "answers": {"life_change": "none", "income_source": "salary"},
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    app_id = created.json()["id"]
    page = open_page(ANNA, "/")
    page.goto(f"{site.gateway}/ansoeg/enkeltudgifter/?id={app_id}&trin=3")
    page.wait_for_selector("#fetch-income")
    # The § 11 a consent text: what, from whom, for which case, and what follows a no.
    panel = page.locator("#fetch-income")
    expect(panel).to_contain_text("eIndkomst")
    expect(panel).to_contain_text("Hvis du siger nej")
    expect(panel.locator(".fetch-consent")).to_contain_text("Jeg giver kommunen lov")
    check_accessibility(page, state="consent to fetch shown")
    shot(page, "hent-mine-oplysninger")

    page.click("#fetch-yes-income")
    expect(page.locator("#fetch-done")).to_contain_text("Oplysningerne er hentet")
    fetched = anna.get(f"{site.gateway}/api/applications/{app_id}").json()
    income = fetched["answers"]["monthly_income"]
    assert isinstance(income, int) and fetched["fetched"][0]["source"] == "eindkomst"
    expect(page.locator("#f-monthly_income-source")).to_contain_text("Hentet fra eIndkomst")
    assert page.input_value("#f-monthly_income").replace(".", "") == str(income)
    consents = anna.get(f"{site.gateway}/api/consents/consents").json()["consents"]
    assert any(
        c["purpose"] == "enkeltudgifter.trangsvurdering" and c["case_ref"] == app_id
        for c in consents
    )
    check_accessibility(page, state="fetched")
    shot(page, "hentet")

    # No to the CPR register: nothing is fetched, she types it herself.
    page.click("#fetch-no-civil_status")
    expect(page.locator("#fetch-done")).to_contain_text("Du har sagt nej")
    assert anna.get(f"{site.gateway}/api/applications/{app_id}").json()["answers"].get(
        "household"
    ) in (None, "")
    page.click("label[for='f-household-0']")
    page.fill("#f-monthly_income", "21000")  # the fetched value may be corrected

    def saved() -> bool:
        answer = anna.get(f"{site.gateway}/api/applications/{app_id}")
        if answer.status_code != 200:  # e.g. a moment's rate limit while the page saves: ask again
            return False
        answers = answer.json()["answers"]
        return answers.get("household") == "single" and answers["monthly_income"] == 21000

    # The page retries a save the gateway refused (e.g. rate-limited while this test asks too)
    # after 4, 8, 16 s: ask once a second, and wait for the third retry.
    wait_until(saved, 45, interval_s=1.0, message="the typed and corrected answers to be saved")
    assert not page.errors
