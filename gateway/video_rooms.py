"""The rooms of video visits: who is in which call, relaying their WebRTC signalling, and what
the call did (started, ended, never connected), told to the appointments service.

State lives in this gateway process's memory (one room per appointment), which is enough for
one gateway process: a restart drops the rooms and the browsers reconnect into a new one.
Several gateway replicas would need the rooms in a shared store (e.g. Redis pub/sub) or
sticky routing by appointment id (docs/video.md).
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kit.errors import Problem


def utcnow() -> datetime:
    return datetime.now(UTC)


# Refusals -------------------------------------------------------------------------------------


class LinkInUse(Problem):
    status = 409
    code = "video.link_in_use"
    title_da = "Linket er allerede i brug på en anden enhed"
    title_en = "The link is already in use on another device"


# Rooms -----------------------------------------------------------------------------------------


@dataclass
class Participant:
    id: str
    send_raw: Callable[[str], None]
    close: Callable[[], None]
    name: str | None  # None: a join link (the page says "the citizen")
    kind: str  # staff, citizen (logged in) or link
    subject: str
    device: str | None = None
    ready: bool = False
    video: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "role": "host" if self.kind == "staff" else "guest",
            "ready": self.ready,
            "video": self.video,
        }


@dataclass
class Room:
    appointment_id: str
    citizen_id: str
    default_host: str
    call_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    participants: dict[str, Participant] = field(default_factory=dict)
    host_id: str | None = None
    attempted_at: datetime = field(default_factory=utcnow)
    started_at: datetime | None = None
    alone_since: datetime | None = None  # fewer than two connected since then
    pairs: set[frozenset[str]] = field(default_factory=set)
    most_connected: int = 0
    most_ready: int = 0
    messages: int = 0
    closing: threading.Timer | None = None

    def connected_ids(self) -> set[str]:
        return {pid for pair in self.pairs for pid in pair}


@dataclass(frozen=True)
class CallFact:
    """What to tell the appointments service (outside the rooms' lock)."""

    appointment_id: str
    body: dict[str, Any]


class Rooms:
    """Every room of this process. `record` tells the appointments service a CallFact."""

    def __init__(
        self,
        record: Callable[[CallFact], None],
        empty_grace_s: float = 20.0,
        clock: Callable[[], datetime] = utcnow,
        close_delay_s: float = 2.0,
    ) -> None:
        self._lock = threading.Lock()
        self._rooms: dict[str, Room] = {}
        self.record = record
        self.empty_grace_s = empty_grace_s
        self.close_delay_s = close_delay_s
        self.clock = clock
        self.finished: list[dict[str, Any]] = []  # the last calls' numbers (benchmarks)

    # joining and leaving ---------------------------------------------------------------------

    def join(
        self, appointment_id: str, citizen_id: str, default_host: str, who: Participant
    ) -> tuple[Room, list[dict[str, Any]]]:
        """Into the appointment's room (made on first use); answers it and who else is in it.
        The caller holds `who.lock` and sends the welcome before anything else reaches them."""
        replaced: Participant | None = None
        with self._lock:
            room = self._rooms.get(appointment_id)
            if room is None:
                room = self._rooms[appointment_id] = Room(appointment_id, citizen_id, default_host)
            if room.closing is not None:  # back within the grace period: the same call
                room.closing.cancel()
                room.closing = None
            if who.kind == "link":
                for other in room.participants.values():
                    if other.kind != "link":
                        continue
                    if other.device != who.device:
                        raise LinkInUse(
                            "Luk opkaldet på den anden enhed først, eller log ind.",
                            "Close the call on the other device first, or log in.",
                        )
                    replaced = other  # the same device again (a reload): the newest wins
            if replaced is not None:
                self._remove(room, replaced)
            if who.kind == "staff" and room.host_id is None:
                room.host_id = who.subject
            room.participants[who.id] = who
            peers = [p.public() for p in room.participants.values() if p.id != who.id]
        if replaced is not None:
            replaced.close()
        self.broadcast(room, {"type": "peer-joined", "peer": who.public()}, skip=who.id)
        return room, peers

    def leave(self, room: Room, who: Participant) -> None:
        with self._lock:
            if room.participants.get(who.id) is not who:
                return  # already replaced or removed
            self._depart(room, who)
        self.broadcast(room, {"type": "peer-left", "id": who.id})

    def _depart(self, room: Room, who: Participant) -> None:
        """Out of the room (under the lock); the last one out starts the grace period."""
        self._remove(room, who)
        if not room.participants and self._rooms.get(room.appointment_id) is room:
            room.closing = threading.Timer(self.empty_grace_s, self._close_if_empty, [room])
            room.closing.daemon = True
            room.closing.start()

    def _remove(self, room: Room, who: Participant) -> None:
        room.participants.pop(who.id, None)
        room.pairs = {pair for pair in room.pairs if who.id not in pair}
        if len(room.connected_ids()) < 2 and room.alone_since is None:
            room.alone_since = self.clock()

    def _close_if_empty(self, room: Room) -> None:
        with self._lock:
            if room.participants or self._rooms.get(room.appointment_id) is not room:
                return
            del self._rooms[room.appointment_id]
        self._finish(room)

    def end(self, room: Room, by: Participant) -> None:
        """The host ends the call for everyone, at once."""
        with self._lock:
            if self._rooms.get(room.appointment_id) is not room:
                return
            del self._rooms[room.appointment_id]
            if room.alone_since is None:
                room.alone_since = self.clock()
            everyone = list(room.participants.values())
            room.participants.clear()
        for p in everyone:
            self._send(room, p, {"type": "ended", "by": by.name})
            self._close_soon(p)
        self._finish(room)

    def _close_soon(self, who: Participant) -> None:
        """Close a socket a moment after its last message: the page closes it itself once it
        has read it; closing at once may reset the connection before it has."""
        closing = threading.Timer(self.close_delay_s, who.close)
        closing.daemon = True
        closing.start()

    def kick_links(self, appointment_id: str, code: str) -> int:
        """Let the join link's users out at once (the link was revoked). Their sockets close
        a moment later, so that the page can read why first."""
        with self._lock:
            room = self._rooms.get(appointment_id)
            links = [p for p in room.participants.values() if p.kind == "link"] if room else []
            for p in links:
                assert room is not None
                self._depart(room, p)
        for p in links:
            assert room is not None
            self._send(room, p, {"type": "refused", "code": code})
            self.broadcast(room, {"type": "peer-left", "id": p.id})
            self._close_soon(p)
        return len(links)

    def _finish(self, room: Room) -> None:
        now = self.clock()
        host = room.host_id or room.default_host
        numbers = {"call_id": room.call_id, "messages": room.messages}
        if room.started_at is not None:
            ended = room.alone_since or now
            body = {
                "event": "ended",
                "at": ended.isoformat(),
                "participants": room.most_connected,
            }
            numbers["duration_s"] = (ended - room.started_at).total_seconds()
        else:
            body = {
                "event": "not_connected",
                "at": now.isoformat(),
                "attempted_at": room.attempted_at.isoformat(),
                "participants": room.most_ready,
                "reason": "no_media" if room.most_ready >= 2 else "nobody_joined",
            }
        self.finished.append(numbers)
        del self.finished[:-100]
        self.record(
            CallFact(room.appointment_id, {**body, "call_id": room.call_id, "host_id": host})
        )

    # messages --------------------------------------------------------------------------------

    def handle(self, room: Room, who: Participant, message: dict[str, Any]) -> dict | None:
        """One message from a participant; answers what to send back to them, if anything."""
        kind = message.get("type")
        with self._lock:
            room.messages += 1
            if room.participants.get(who.id) is not who:
                return {"type": "error", "code": "video.not_in_call"}  # let out meanwhile
        if kind == "signal":
            target = room.participants.get(str(message.get("to")))
            if target is not None and isinstance(message.get("data"), dict):
                self._send(
                    room, target, {"type": "signal", "from": who.id, "data": message["data"]}
                )
            return None
        if kind == "ready":
            with self._lock:
                who.ready = True
                who.video = bool(message.get("video", True))
                ready = [p.id for p in room.participants.values() if p.ready and p.id != who.id]
                room.most_ready = max(room.most_ready, len(ready) + 1)
            self.broadcast(room, {"type": "peer-ready", "peer": who.public()}, skip=who.id)
            return {"type": "ready-ok", "peers": ready}
        if kind == "connected":
            return self._connected(room, who, str(message.get("peer")))
        if kind == "media":
            who.video = bool(message.get("video", True))
            self.broadcast(
                room, {"type": "peer-media", "id": who.id, "video": who.video}, skip=who.id
            )
            return None
        if kind == "ping":
            return {"type": "pong"}
        return {"type": "error", "code": "video.unknown_message"}

    def _connected(self, room: Room, who: Participant, peer: str) -> dict | None:
        fact: CallFact | None = None
        with self._lock:
            if peer not in room.participants or peer == who.id:
                return None
            room.pairs.add(frozenset((who.id, peer)))
            connected = len(room.connected_ids())
            room.most_connected = max(room.most_connected, connected)
            if connected >= 2:
                room.alone_since = None
            if room.started_at is None and connected >= 2:
                room.started_at = self.clock()
                fact = CallFact(
                    room.appointment_id,
                    {
                        "event": "started",
                        "call_id": room.call_id,
                        "host_id": room.host_id or room.default_host,
                        "at": room.started_at.isoformat(),
                        "attempted_at": room.attempted_at.isoformat(),
                        "participants": connected,
                    },
                )
        if fact is not None:
            self.record(fact)
            self.broadcast(room, {"type": "call-started"})
        return None

    def broadcast(self, room: Room, message: dict[str, Any], skip: str | None = None) -> None:
        with self._lock:
            targets = [p for p in room.participants.values() if p.id != skip]
        for p in targets:
            self._send(room, p, message)

    def _send(self, room: Room, to: Participant, message: dict[str, Any]) -> None:
        with self._lock:
            room.messages += 1
        # One writer per socket at a time; a closed socket's own thread leaves the room.
        with to.lock, contextlib.suppress(Exception):
            to.send_raw(json.dumps(message))

    def room_of(self, appointment_id: str) -> Room | None:
        with self._lock:
            return self._rooms.get(appointment_id)
