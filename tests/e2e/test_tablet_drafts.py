"""Drafts between the portal and the tablet (docs/tablet.md): a draft Anna began in the portal is
continued on the tablet from her latest saved version; a change she makes meanwhile is shown
as a conflict and resolved by the staff member, never silently overwritten; a draft the tablet
leaves for her says in the portal who she started it with."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.test_tablet_visit import as_staff, book_visit_now, log_in, shot
from tests.harness.browser import script_errors
from tests.harness.gateway_stack import ANNA

pytestmark = pytest.mark.browser


def annas_draft(stack, answers: dict) -> tuple[object, dict]:
    anna = stack.browser()
    stack.login(anna, ANNA)
    created = anna.post(
        f"{stack.gateway}/api/applications",
        json={"type": "hjaelpemidler", "answers": answers},
        headers={**stack.csrf(anna), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    return anna, created.json()


def the_application(stack, app_id: str) -> dict:
    return as_staff(stack).get(f"{stack.gateway}/api/applications/{app_id}").json()


def continue_offline(page, context, visit_id: str) -> None:
    context.set_offline(True)
    page.locator(f"li[data-appointment='{visit_id}'] button.open").click()
    page.locator("#applications button.continue").click()


def test_a_draft_begun_in_the_portal_is_continued_on_the_tablet(
    tablet_stack,
    tablet,
    tmp_path,
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    visit = book_visit_now(stack)
    _, draft = annas_draft(stack, {"device_name": "Rollator", "application_kind": "new"})
    log_in(page, stack)

    continue_offline(page, context, visit["id"])
    expect(page.locator("#f-device_name")).to_have_value("Rollator")  # her latest version
    expect(page.locator("#form-base")).to_contain_text("version 1")
    page.check("#f-already_bought-1")
    page.click("#keep-draft")
    expect(page.locator("#queue")).to_have_text("Venter på net (1)")
    context.set_offline(False)
    expect(page.locator("#visit-outbox li[data-state=sent]")).to_have_count(1)

    now = the_application(stack, draft["id"])
    assert now["answers"] == {
        "device_name": "Rollator",
        "application_kind": "new",
        "already_bought": False,
    }
    assert now["state"] == "draft" and now["version"] == 2
    assert script_errors(page) == []


def test_a_change_made_meanwhile_is_shown_and_never_silently_overwritten(
    tablet_stack,
    tablet,
    tmp_path,
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    visit = book_visit_now(stack)
    anna, draft = annas_draft(stack, {"device_name": "Rollator"})
    log_in(page, stack)

    continue_offline(page, context, visit["id"])
    page.fill("#f-device_name", "Rollator med kurv")
    page.click("#keep-draft")

    # Meanwhile Anna, in the portal, changes the same answer and adds another.
    saved = anna.patch(
        f"{stack.gateway}/api/applications/{draft['id']}/answers",
        json={"answers": {"device_name": "Gangstativ", "application_kind": "replacement"}},
        headers={**stack.csrf(anna), "If-Match": '"v1"'},
    )
    assert saved.status_code == 200, saved.text

    context.set_offline(False)
    item = page.locator("#visit-outbox li[data-kind=application]")
    expect(item).to_have_attribute("data-state", "conflict")
    expect(item).to_contain_text("Rollator med kurv")
    expect(item).to_contain_text("Gangstativ")
    assert the_application(stack, draft["id"])["answers"]["device_name"] == "Gangstativ"
    shot(page, tmp_path, "9-conflict")

    item.locator("button.keep-mine").click()
    expect(item).to_have_attribute("data-state", "sent")
    now = the_application(stack, draft["id"])
    # The tablet's answer on top of her newest version; her other change is kept.
    assert now["answers"] == {"device_name": "Rollator med kurv", "application_kind": "replacement"}
    assert now["version"] == 3
    assert script_errors(page) == []


def test_a_draft_left_on_the_tablet_says_in_the_portal_who_it_was_started_with(
    tablet_stack,
    tablet,
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    visit = book_visit_now(stack)
    log_in(page, stack)
    page.locator(f"li[data-appointment='{visit['id']}'] button.open").click()
    page.click("button.apply")
    page.click("label.choice:has-text('Hjælpemidler')")
    page.click("#start-application")
    page.fill("#f-device_name", "Badebænk")
    page.click("#keep-draft")
    expect(page.locator("#visit-outbox li[data-state=sent]")).to_have_count(1)

    citizen = context.browser.new_context(locale="da-DK")
    portal = citizen.new_page()
    portal.goto(f"{stack.gateway}/auth/login?next=/mine-sager/")
    portal.click(f"button[name=sub][value='{ANNA}']")
    portal.wait_for_url(stack.gateway + "/mine-sager/")
    expect(portal.locator("#cases li.case-draft")).to_contain_text("sammen med Erik Eriksen")
    citizen.close()


def test_keeping_the_citizens_newer_version_sends_nothing_of_the_tablets_answers(
    tablet_stack,
    tablet,
):
    from playwright.sync_api import expect

    stack = tablet_stack
    context, page = tablet
    page.set_default_timeout(15000)
    visit = book_visit_now(stack)
    anna, draft = annas_draft(stack, {"device_name": "Rollator"})
    log_in(page, stack)
    continue_offline(page, context, visit["id"])
    page.fill("#f-device_name", "Kørestol")
    page.click("#keep-draft")
    saved = anna.patch(
        f"{stack.gateway}/api/applications/{draft['id']}/answers",
        json={"answers": {"device_name": "Gangstativ"}},
        headers={**stack.csrf(anna), "If-Match": '"v1"'},
    )
    assert saved.status_code == 200, saved.text
    context.set_offline(False)
    item = page.locator("#visit-outbox li[data-kind=application]")
    expect(item).to_have_attribute("data-state", "conflict")
    item.locator("button.keep-theirs").click()
    expect(item).to_have_attribute("data-state", "sent")
    expect(item).to_contain_text("nyeste version er beholdt")
    now = the_application(stack, draft["id"])
    assert now["answers"] == {"device_name": "Gangstativ"} and now["version"] == 2
