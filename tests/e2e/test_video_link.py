"""The join link of a video visit (docs/video.md), through the real gateway and appointments
service: a device opens the link (as from an SMS), gets its cookies, and connects to the call's
signalling WebSocket. The link is refused before its window, after the visit, on a second
device while the first is in the call, after revocation, and for another appointment; every
use, allowed or refused, is in the citizen's access log."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

import pytest
import requests
from simple_websocket import Client, ConnectionClosed

from tests.e2e.test_video_calls import STAFF, book_video_visit
from tests.harness.gateway_stack import ANNA
from tests.waiting import wait_until


@pytest.fixture
def video(tablet_stack):
    """The platform with a short grace for an empty room (the tests need not wait 20 s)."""
    tablet_stack.app.extensions["video_rooms"].empty_grace_s = 0.3
    return tablet_stack


class Device:
    """A phone with the link: its own cookie jar, and a WebSocket to the call when asked."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.http = requests.Session()
        self.socket: Client | None = None

    def open_link(self, token: str) -> requests.Response:
        return self.http.get(f"{self.stack.gateway}/video/j/{token}", allow_redirects=False)

    def join(self, appointment_id: str) -> dict:
        """The first message on the call's socket: the welcome, or the refusal."""
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        url = self.stack.gateway.replace("http:", "ws:") + f"/video/{appointment_id}/ws"
        # simple-websocket's client sends Host without the port; a browser's Origin names the
        # same host as its Host header, and so does this one.
        origin = self.stack.gateway.rsplit(":", 1)[0]
        self.socket = Client.connect(url, headers={"Cookie": cookies, "Origin": origin})
        first = json.loads(self.socket.receive(timeout=30))
        if first["type"] == "refused":
            self.hang_up()  # as the call page does
        return first

    def next_message(self) -> dict:
        assert self.socket is not None
        return json.loads(self.socket.receive(timeout=30))

    def hang_up(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(ConnectionClosed):  # the server may have closed it
                self.socket.close()


def access_log(stack) -> list[dict]:
    anna = stack.browser()
    stack.login(anna, ANNA)
    return [
        row
        for row in anna.get(f"{stack.gateway}/api/me/access-log").json()
        if row["actor_id"] == "video-join-link"
    ]


def test_the_link_works_only_in_its_window(video):
    early, early_token = book_video_visit(video, starts_in=timedelta(hours=2))
    over, over_token = book_video_visit(video, starts_in=timedelta(hours=-3), minutes=30)
    phone = Device(video)
    before = phone.open_link(early_token)
    assert before.status_code == 403
    assert "video.not_open_yet" in before.text  # the page says from when
    after = phone.open_link(over_token)
    assert after.status_code == 403 and "video.closed" in after.text
    assert "sb_video_link" not in phone.http.cookies  # no way in from a refused link
    refused = {(row["status"], early["id"] in row["resource"]) for row in access_log(video)}
    assert refused == {(403, True), (403, False)}


def test_one_device_at_a_time_and_not_for_another_visit(video):
    visit, token = book_video_visit(video)
    other, _ = book_video_visit(video, starts_in=timedelta(minutes=40), minutes=20)
    phone, tablet = Device(video), Device(video)
    opened = phone.open_link(token)
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/video/{visit['id']}/"
    first = phone.join(visit["id"])
    assert first["type"] == "welcome", first

    # The same link on another device while the phone is in the call.
    assert tablet.open_link(token).status_code == 303
    second = tablet.join(visit["id"])
    assert second["type"] == "refused" and second["code"] == "video.link_in_use"

    # The link's cookie on the page of another visit.
    wrong = Device(video)
    wrong.open_link(token)
    refused = wrong.join(other["id"])
    assert refused["code"] == "video.link_other_appointment"

    # Once the phone hangs up, the tablet may use the link.
    phone.hang_up()
    tablet.hang_up()
    rooms = video.app.extensions["video_rooms"]
    wait_until(
        lambda: not (room := rooms.room_of(visit["id"])) or not room.participants,
        30,
        message="the phone left the call",
    )
    assert tablet.join(visit["id"])["type"] == "welcome"
    tablet.hang_up()

    statuses = [row["status"] for row in access_log(video)]
    assert statuses.count(409) == 1 and statuses.count(403) == 1
    assert statuses.count(200) >= 4  # every opening and every joining


def test_staff_revoke_the_link_and_its_user_is_let_out(video):
    visit, token = book_video_visit(video)
    phone = Device(video)
    phone.open_link(token)
    assert phone.join(visit["id"])["type"] == "welcome"

    staff = video.browser()
    video.login(staff, STAFF)
    answer = staff.post(
        f"{video.gateway}/video/{visit['id']}/link/revocation",
        headers=video.csrf(staff),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["disconnected"] == 1
    assert token not in answer.json()["video_url"]
    while (message := phone.next_message())["type"] != "refused":
        pass
    assert message["code"] == "video.link_revoked"

    # The old link opens nothing any more, neither the page nor the socket.
    assert Device(video).open_link(token).status_code == 404
    again = phone.join(visit["id"])
    assert again["type"] == "refused" and again["code"] == "video.link_invalid"
    # The new one works.
    fresh = Device(video)
    assert fresh.open_link(answer.json()["video_url"].rsplit("/", 1)[1]).status_code == 303
    assert fresh.join(visit["id"])["type"] == "welcome"
    fresh.hang_up()


def test_a_page_of_another_site_cannot_use_the_citizens_cookies(video):
    visit, token = book_video_visit(video)
    phone = Device(video)
    phone.open_link(token)
    cookies = "; ".join(f"{c.name}={c.value}" for c in phone.http.cookies)
    url = video.gateway.replace("http:", "ws:") + f"/video/{visit['id']}/ws"
    socket = Client.connect(url, headers={"Cookie": cookies, "Origin": "https://evil.example"})
    answer = json.loads(socket.receive(timeout=30))
    with contextlib.suppress(ConnectionClosed):
        socket.close()
    assert answer["type"] == "refused" and answer["code"] == "video.foreign_origin"
