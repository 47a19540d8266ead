"""The rooms of video visits (gateway/video_rooms.py): who may be in a call, what is relayed to
whom, and which facts about the call reach the appointments service. No sockets: each
participant's "socket" is a list of the messages it was sent."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest

from gateway.video_rooms import CallFact, LinkInUse, Participant, Rooms

APPOINTMENT = "7d7c4c1e-0000-4000-8000-000000000001"
ANNA = "anna-uuid"


def person(pid: str, kind: str = "citizen", device: str | None = None) -> Participant:
    sent: list[dict] = []
    closed = threading.Event()
    who = Participant(
        id=pid,
        send_raw=lambda raw: sent.append(json.loads(raw)),
        close=closed.set,
        name=pid.title(),
        kind=kind,
        subject=pid,
        device=device,
    )
    who.sent = sent  # type: ignore[attr-defined]
    who.closed = closed  # type: ignore[attr-defined]
    return who


@pytest.fixture
def facts() -> list[CallFact]:
    return []


@pytest.fixture
def rooms(clock, facts) -> Rooms:
    done = threading.Event()

    def record(fact: CallFact) -> None:
        facts.append(fact)
        done.set()

    registry = Rooms(record, empty_grace_s=0.05, clock=clock, close_delay_s=0.01)
    registry.done = done  # type: ignore[attr-defined]
    return registry


def join(rooms: Rooms, who: Participant):
    room, _peers = rooms.join(APPOINTMENT, ANNA, "dorte", who)
    return room


def connect(rooms: Rooms, room, a: Participant, b: Participant) -> None:
    for who in (a, b):
        rooms.handle(room, who, {"type": "ready"})
    rooms.handle(room, a, {"type": "connected", "peer": b.id})
    rooms.done.clear()  # the "started" fact is in; wait for the next one


def test_a_call_starts_when_two_people_connect_and_ends_with_its_duration(rooms, clock, facts):
    dorte, anna = person("dorte", "staff"), person("anna", "link", device="phone")
    room = join(rooms, dorte)
    join(rooms, anna)
    connect(rooms, room, dorte, anna)
    assert [f.body["event"] for f in facts] == ["started"]
    assert facts[0].body["host_id"] == "dorte" and facts[0].body["participants"] == 2
    clock.advance(seconds=600)
    rooms.end(room, dorte)
    ended = facts[-1].body
    assert ended["event"] == "ended" and ended["call_id"] == facts[0].body["call_id"]
    assert datetime.fromisoformat(ended["at"]) - datetime.fromisoformat(facts[0].body["at"]) == (
        timedelta(seconds=600)
    )
    assert {"type": "ended", "by": "Dorte"} in anna.sent
    assert anna.closed.wait(5) and dorte.closed.wait(5)


def test_the_call_ends_when_the_second_person_left_not_when_the_last_one_did(rooms, clock, facts):
    dorte, anna = person("dorte", "staff"), person("anna")
    room = join(rooms, dorte)
    join(rooms, anna)
    connect(rooms, room, dorte, anna)
    clock.advance(seconds=300)
    rooms.leave(room, anna)
    left_at = clock.now
    clock.advance(seconds=120)  # Dorte writes her notes, then closes the page
    rooms.leave(room, dorte)
    assert rooms.done.wait(10)
    assert facts[-1].body["event"] == "ended"
    assert datetime.fromisoformat(facts[-1].body["at"]) == left_at


def test_a_reload_within_the_grace_period_keeps_the_same_call(rooms, facts):
    dorte, anna = person("dorte", "staff"), person("anna")
    room = join(rooms, dorte)
    join(rooms, anna)
    connect(rooms, room, dorte, anna)
    rooms.leave(room, dorte)
    rooms.leave(room, anna)
    again = person("dorte2", "staff")
    assert join(rooms, again) is room  # back before the grace ran out
    assert not rooms.done.wait(0.2)
    assert [f.body["event"] for f in facts] == ["started"]


def test_a_visit_nobody_joined_is_reported_as_not_connected(rooms, facts):
    dorte = person("dorte", "staff")
    room = join(rooms, dorte)
    rooms.handle(room, dorte, {"type": "ready"})
    rooms.leave(room, dorte)
    assert rooms.done.wait(10)
    (fact,) = facts
    assert fact.body["event"] == "not_connected"
    assert fact.body["reason"] == "nobody_joined"
    assert fact.body["host_id"] == "dorte"


def test_two_people_ready_without_a_connection_is_reported_as_no_media(rooms, facts):
    anna, dorte = person("anna"), person("dorte", "staff")
    room = join(rooms, anna)
    join(rooms, dorte)
    for who in (anna, dorte):
        rooms.handle(room, who, {"type": "ready"})
    rooms.leave(room, anna)
    rooms.leave(room, dorte)
    assert rooms.done.wait(10)
    assert facts[0].body["reason"] == "no_media"


def test_a_join_link_is_used_by_one_device_at_a_time(rooms):
    phone, tablet = person("a1", "link", "phone"), person("a2", "link", "tablet")
    room = join(rooms, phone)
    with pytest.raises(LinkInUse):
        join(rooms, tablet)
    # The same phone again (a reload) replaces its old connection.
    again = person("a3", "link", "phone")
    join(rooms, again)
    assert phone.closed.is_set()
    assert set(room.participants) == {"a3"}
    # Once the phone has left, the link works on the tablet.
    rooms.leave(room, again)
    join(rooms, tablet)


def test_signals_reach_only_their_addressee(rooms):
    dorte, anna, carl = person("dorte", "staff"), person("anna"), person("carl")
    room = join(rooms, dorte)
    join(rooms, anna)
    join(rooms, carl)
    rooms.handle(room, anna, {"type": "signal", "to": "dorte", "data": {"sdp": "x"}})
    assert {"type": "signal", "from": "anna", "data": {"sdp": "x"}} in dorte.sent
    assert not [m for m in carl.sent if m["type"] == "signal"]


def test_revoking_the_link_lets_out_only_the_links_user(rooms):
    dorte, anna = person("dorte", "staff"), person("anna", "link", "phone")
    room = join(rooms, dorte)
    join(rooms, anna)
    assert rooms.kick_links(APPOINTMENT, "video.link_revoked") == 1
    assert {"type": "refused", "code": "video.link_revoked"} in anna.sent
    assert set(room.participants) == {"dorte"}  # out at once: nothing more is relayed
    assert rooms.handle(room, anna, {"type": "signal", "to": "dorte", "data": {}}) == {
        "type": "error",
        "code": "video.not_in_call",
    }
    assert {"type": "peer-left", "id": "anna"} in dorte.sent
    assert anna.closed.wait(5) and not dorte.closed.is_set()
