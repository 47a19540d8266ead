"""Video visits in real browsers (docs/video.md): Debian's Chromium with a fake camera and
microphone, each person in a browser context of their own (their own device and cookies),
signalling through the gateway's WebSocket, media browser to browser or through the local
coturn. Each RTCPeerConnection must reach "connected" and decode video frames; the call's
start, end and duration must land on the appointment."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from gateway.video_ice import IceConfig
from kit import proxies
from tests.conftest import _missing
from tests.e2e.axe import check_accessibility
from tests.harness.browser import MEDIA_FLAGS, keeping_errors, launched
from tests.harness.gateway_stack import ANNA, CARL
from tests.harness.tablet_stack import booked_by_planner
from tests.waiting import wait_until

pytestmark = pytest.mark.browser
STAFF = "sagsbehandler-dorte"  # Dorte Dahl: the staff member the video visits are booked for
WAIT_MS = 20000  # expect()'s own default is 5 s: too short on a loaded 2-core machine


@pytest.fixture(scope="module")
def chromium():
    with launched(*MEDIA_FLAGS) as browser:
        yield browser


@pytest.fixture
def device(chromium):
    """A new device (browser context) per call: device() -> page; all closed afterwards."""
    contexts = []

    def new_device(locale: str = "da-DK"):
        context = chromium.new_context(locale=locale, viewport={"width": 1024, "height": 768})
        contexts.append(context)
        page = keeping_errors(context.new_page(), console=False)
        page.set_default_timeout(20000)
        return page

    yield new_device
    for context in contexts:
        context.close()


@pytest.fixture
def video(tablet_stack):
    """The platform with a short grace for an empty room (the tests need not wait 20 s)."""
    tablet_stack.app.extensions["video_rooms"].empty_grace_s = 0.3
    return tablet_stack


def book_video_visit(stack, starts_in: timedelta = timedelta(minutes=-5), minutes: int = 45):
    """A video visit for Anna with Dorte, booked by the planner; answers the appointment and
    the join link's token (the last part of its URL)."""
    starts = datetime.now(UTC).replace(microsecond=0) + starts_in
    answer = booked_by_planner(
        stack,
        {
            "citizen_id": ANNA,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(minutes=minutes)).isoformat(),
            "kind": "video_visit",
            "staff_ids": [STAFF],
        },
    )
    assert answer.status_code == 201, answer.text
    appointment = answer.json()
    return appointment, appointment["video_url"].rsplit("/", 1)[1]


def staff_joins(page, stack, appointment_id: str) -> None:
    page.goto(f"{stack.gateway}/auth/login?channel=tablet&next=/video/{appointment_id}/")
    page.click(f"button[name=sub][value='{STAFF}']")
    page.wait_for_url(f"{stack.gateway}/video/{appointment_id}/")
    page.wait_for_selector("#join-video")


def calls_of(stack, appointment_id: str) -> list[dict]:
    staff = stack.browser()
    stack.login(staff, STAFF)
    answer = staff.get(
        f"{stack.gateway}/api/appointments/appointments/{appointment_id}/video-calls"
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["video_calls"]


def wait_connected(page, peers: int, timeout_s: float = 60) -> list[dict]:
    """Every peer connection of the page connected and decoding the other's video."""
    stats: list[dict] = []

    def decoding() -> bool:
        nonlocal stats
        stats = page.evaluate("window.videoCall.stats()")
        return len(stats) == peers and all(
            s["state"] == "connected" and s["framesDecoded"] > 0 for s in stats
        )

    wait_until(decoding, timeout_s, interval_s=0.2, message=f"{peers} decoding connections")
    return stats


def report_numbers(stack, setup: str, timing: dict) -> None:
    """One line for bench/bench_video.py: Start to connected, signalling messages per call."""
    numbers = stack.app.extensions["video_rooms"].finished[-1]
    print(
        "video-bench "
        + json.dumps(
            {
                "setup": setup,
                "start_to_connected_ms": round(timing["connectedAt"] - timing["clickedAt"]),
                "camera_ms": round(timing["mediaAt"] - timing["clickedAt"]),
                "messages": numbers["messages"],
            }
        )
    )


def test_staff_and_citizen_hold_a_video_visit_from_the_join_link(video, device, tmp_path):
    from playwright.sync_api import expect

    appointment, token = book_video_visit(video)
    staff, citizen = device(), device()

    # Dorte starts the visit from her day route on the tablet; the citizen taps the link from
    # the message: no login.
    staff.goto(f"{video.gateway}/auth/login?channel=tablet&next=/tablet/")
    staff.click(f"button[name=sub][value='{STAFF}']")
    staff.wait_for_url(f"{video.gateway}/tablet/")
    visit = staff.locator(f"li[data-appointment='{appointment['id']}']")
    expect(visit.locator("a.video-start")).to_have_text("Start skærmbesøg", timeout=WAIT_MS)
    visit.locator("a.video-start").click()
    staff.wait_for_url(f"{video.gateway}/video/{appointment['id']}/")
    expect(staff.locator("#presence")).to_have_text(
        "Borgeren har ikke åbnet skærmbesøget endnu.", timeout=WAIT_MS
    )
    citizen.goto(f"{video.gateway}/video/j/{token}")
    citizen.wait_for_url(f"{video.gateway}/video/{appointment['id']}/")
    assert token not in citizen.url  # the secret left the address bar
    # She sees who is calling before her camera turns on.
    expect(citizen.locator("#caller")).to_have_text(
        "Dorte Dahl fra kommunen ringer", timeout=WAIT_MS
    )
    assert citizen.evaluate("window.videoCall.stream") is None
    expect(staff.locator("#presence")).to_have_text(
        "Borgeren har åbnet skærmbesøget.", timeout=WAIT_MS
    )
    citizen.screenshot(path=str(tmp_path / "1-citizen-sees-who-calls.png"))
    check_accessibility(citizen, state="the citizen sees who calls")

    citizen.click("#join-video")
    expect(citizen.locator("#call-state")).to_have_text("Venter på den anden …", timeout=WAIT_MS)
    staff.click("#join-video")  # "Start videoopkald"
    for page in (staff, citizen):
        wait_connected(page, peers=1)
        expect(page.locator("#call-state")).to_have_text("Forbundet", timeout=WAIT_MS)
    timing = staff.evaluate("window.videoCall.timing")
    assert timing["connectedAt"] > timing["clickedAt"]
    staff.screenshot(path=str(tmp_path / "2-staff-connected.png"))
    check_accessibility(staff, state="in the call")

    # The start is on the appointment while the call goes on.
    wait_until(lambda: len(calls_of(video, appointment["id"])) == 1, 30, message="call started")
    assert calls_of(video, appointment["id"])[0]["outcome"] == "started"

    # The camera-off switch: the citizen's picture goes, the staff member is told.
    citizen.click("#toggle-camera")
    expect(staff.locator(".tile .camera-off").first).to_have_text(
        "Kameraet er slukket", timeout=WAIT_MS
    )
    expect(citizen.locator("#toggle-camera")).to_have_text("Tænd kamera", timeout=WAIT_MS)

    # The citizen's connection to the gateway drops (bad wifi): her page says so, comes back
    # by itself and the call goes on; it is still one call.
    room = video.app.extensions["video_rooms"].room_of(appointment["id"])
    (link_user,) = [p for p in room.participants.values() if p.kind == "link"]
    link_user.close()
    expect(citizen.locator("#call-state")).to_have_text(
        "Forbindelsen er dårlig. Vi prøver igen …", timeout=WAIT_MS
    )
    for page in (staff, citizen):
        wait_connected(page, peers=1)
    expect(citizen.locator("#call-state")).to_have_text("Forbundet", timeout=WAIT_MS)
    assert [c["outcome"] for c in calls_of(video, appointment["id"])] == ["started"]

    time.sleep(1.2)  # a call of measurable length
    staff.click("#end")
    for page in (staff, citizen):
        expect(page.locator("#call-state")).to_have_text("Opkaldet er slut", timeout=WAIT_MS)

    wait_until(
        lambda: calls_of(video, appointment["id"])[0]["outcome"] == "ended", 30, message="ended"
    )
    report_numbers(video, "two, direct", timing)
    (call,) = calls_of(video, appointment["id"])
    assert call["host_id"] == STAFF
    assert call["participants"] == 2
    assert call["duration_seconds"] >= 1
    started = datetime.fromisoformat(call["started_at"])
    ended = datetime.fromisoformat(call["ended_at"])
    assert round((ended - started).total_seconds()) == call["duration_seconds"]
    # The visit counts as held.
    staff_session = video.browser()
    video.login(staff_session, STAFF)
    shown = staff_session.get(
        f"{video.gateway}/api/appointments/appointments/{appointment['id']}"
    ).json()
    assert shown["status"] == "completed"
    assert shown["history"][-1]["reason"] == "video_call"
    # Every use of the link is in Anna's access log.
    anna = video.browser()
    video.login(anna, ANNA)
    uses = [
        row
        for row in anna.get(f"{video.gateway}/api/me/access-log").json()
        if row["actor_id"] == "video-join-link"
    ]
    assert uses and all(row["status"] == 200 for row in uses)
    assert all(appointment["id"] in row["resource"] for row in uses)
    assert not staff.errors and not citizen.errors


def test_three_people_connect_in_one_call(video, device):
    """Dorte, Anna from her appointments page, and Carl (Anna's relative, with power of
    attorney): a mesh of three peer connections, each decoding the others' video."""
    from playwright.sync_api import expect

    appointment, token = book_video_visit(video)
    # Someone opened the link from Anna's message (her old phone): she will see that.
    assert requests.get(f"{video.gateway}/video/j/{token}", allow_redirects=False, timeout=10).ok
    # The appointments service learns proxies from the consents service's events.
    with video.engines["appointments"].begin() as conn:
        proxies.record_granted(
            conn,
            {
                "proxy_id": "proxy-carl-anna",
                "citizen_id": ANNA,
                "agent_id": CARL,
                "scopes": ["appointments.read"],
                "valid_from": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                "valid_until": None,
            },
        )
    staff, citizen, relative = device(), device(), device()
    staff_joins(staff, video, appointment["id"])
    # Anna logged in: "Deltag" on the appointment in the portal.
    citizen.goto(f"{video.gateway}/auth/login?channel=portal&next=/aftaler/")
    citizen.click(f"button[name=sub][value='{ANNA}']")
    citizen.wait_for_url(f"{video.gateway}/aftaler/")
    citizen.locator("a.video-link").click()
    citizen.wait_for_url(f"{video.gateway}/video/{appointment['id']}/")
    expect(citizen.locator("#link-uses li")).to_contain_text("lukket ind", timeout=WAIT_MS)
    relative.goto(f"{video.gateway}/auth/login?channel=portal&next=/video/{appointment['id']}/")
    relative.click(f"button[name=sub][value='{CARL}']")
    relative.wait_for_url(f"{video.gateway}/video/{appointment['id']}/")
    for page in (staff, citizen, relative):
        page.click("#join-video")
    for page in (staff, citizen, relative):
        wait_connected(page, peers=2)
    names = relative.locator("#peers").inner_text()
    assert "Dorte Dahl" in names and "Anna Andersen" in names
    timing = relative.evaluate("window.videoCall.timing")  # the last to join
    staff.click("#end")
    wait_until(
        lambda: [c["outcome"] for c in calls_of(video, appointment["id"])] == ["ended"],
        30,
        message="ended",
    )
    report_numbers(video, "three, direct", timing)
    assert calls_of(video, appointment["id"])[0]["participants"] == 3


def test_a_relay_only_call_connects_through_the_local_coturn(video, device):
    """iceTransportPolicy "relay": every path goes through TURN with credentials the
    platform minted (TURN REST API scheme), checked by coturn's static-auth-secret."""
    url = os.environ.get("SB_TEST_TURN_URL", "")
    secret = os.environ.get("SB_TEST_TURN_SECRET", "")
    if not url or not secret:
        _missing("coturn (SB_TEST_TURN_URL, SB_TEST_TURN_SECRET; infra/coturn.sh)")
    video.app.extensions["video_ice"] = IceConfig(
        turn_urls=(url,), turn_secret=secret, ttl_s=600, policy="relay"
    )
    appointment, token = book_video_visit(video)
    staff, citizen = device(), device()
    staff_joins(staff, video, appointment["id"])
    citizen.goto(f"{video.gateway}/video/j/{token}")
    citizen.click("#join-audio")  # sound only on her side: she still sees Dorte
    staff.click("#join-video")
    for page in (staff, citizen):
        # Connected, on a path whose local end is a TURN relay (the transport's selected pair).
        wait_until(
            lambda page=page: (
                [(s["state"], s["relay"]) for s in page.evaluate("window.videoCall.stats()")]
                == [("connected", True)]
            ),
            40,
            message="connected through TURN",
        )
    wait_connected(citizen, peers=1)  # she decodes Dorte's video
    assert citizen.evaluate("window.videoCall.audioOnly") is True
    timing = staff.evaluate("window.videoCall.timing")
    staff.click("#end")
    wait_until(lambda: video.app.extensions["video_rooms"].finished, 30, message="ended")
    report_numbers(video, "two, relay only (TURN)", timing)

    # Credentials signed with another secret: coturn refuses them, so nothing connects.
    video.app.extensions["video_ice"] = IceConfig(
        turn_urls=(url,), turn_secret="not-the-secret", ttl_s=600, policy="relay"
    )
    for page in (staff, citizen):
        page.reload()
        page.click("#join-video")
    time.sleep(4)
    for page in (staff, citizen):
        assert all(s["state"] != "connected" for s in page.evaluate("window.videoCall.stats()"))
