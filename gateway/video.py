"""Video visits (skærmbesøg): the call page, the join link, and WebRTC signalling over a
WebSocket (flask-sock), authorised per appointment. Media flows browser to browser (or
through TURN); it never passes through this process. docs/video.md tells the whole story.

Who may join an appointment's call: an assigned staff member (session), the citizen or their
proxy (session), or whoever holds the appointment's join link (no login): from shortly
before the start until the end, one device at a time, revocable by staff, every use audited
(video_admission.py). The rooms are in video_rooms.py, STUN/TURN in video_ice.py.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from typing import Any

import requests
from flask import Blueprint, Flask, current_app, g, jsonify, redirect, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed
from werkzeug.wrappers import Response

from gateway.audit import record_access
from gateway.login import check_csrf
from gateway.pages import _page
from gateway.sessions import SessionManager
from gateway.video_admission import (
    DEVICE_COOKIE,
    LINK_COOKIE,
    Recorder,
    Refused,
    admit,
    call_appointments,
    link_audit,
    raise_refusal,
    refusal_message,
    resolve_link,
)
from gateway.video_ice import IceConfig
from gateway.video_rooms import Participant, Rooms
from kit.auth import Unauthenticated
from kit.errors import Problem

bp = Blueprint("video", __name__)
sock = Sock()

APPOINTMENT_ID = re.compile(r"[0-9a-f-]{36}")


def init_app(app: Flask, rooms: Rooms | None = None, ice: IceConfig | None = None) -> None:
    app.extensions["video_ice"] = ice or IceConfig.from_env()
    app.extensions["video_rooms"] = rooms or Rooms(Recorder(app))
    # Pings find a vanished phone (no close frame) within a minute; an SDP is a few kB, so a
    # message of more than 64 kB is not signalling.
    app.config.setdefault(
        "SOCK_SERVER_OPTIONS", {"ping_interval": 25, "max_message_size": 64 * 1024}
    )
    app.register_blueprint(bp)
    sock.init_app(app)


def rooms() -> Rooms:
    return current_app.extensions["video_rooms"]


# Pages -----------------------------------------------------------------------------------------


def _check_id(appointment_id: str) -> None:
    if not APPOINTMENT_ID.fullmatch(appointment_id):
        raise Refused(code="appointment.not_found", status=404)


@bp.get("/video/<appointment_id>/")
def call_page(appointment_id: str):
    _check_id(appointment_id)
    return _page("video.html", appointment_id=appointment_id)


@bp.get("/video/j/<token>")
def join_link(token: str):
    """The link from the citizen's message: checked, kept in a cookie for this call only
    (so the secret leaves the address bar and the history), then on to the call page."""
    device = request.cookies.get(DEVICE_COOKIE) or secrets.token_urlsafe(24)
    try:
        answer = resolve_link(token, device)
    except Problem as refusal:
        page = _page("video.html", appointment_id="", refusal=refusal_message(refusal))
        page.status_code = refusal.status
        return page
    link_audit(answer["citizen_id"], answer["appointment_id"], device, 200)
    secure = current_app.extensions["gateway_config"].cookie_secure
    response: Response = redirect(f"/video/{answer['appointment_id']}/", code=303)
    for name, value, max_age in (
        (LINK_COOKIE, token, 12 * 3600),
        (DEVICE_COOKIE, device, 365 * 24 * 3600),
    ):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            secure=secure,
            samesite="Lax",
            path="/video/",
        )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/video/<appointment_id>/link/revocation")
def revoke_link(appointment_id: str):
    """An assigned staff member revokes the join link; whoever uses it now is let out."""
    _check_id(appointment_id)
    sessions: SessionManager = current_app.extensions["sessions"]
    session = sessions.current()
    if session is None:
        raise Unauthenticated(code="auth.token_missing")
    check_csrf(session.csrf_token)
    status, answer, touched = call_appointments(
        session.identity, "POST", f"/appointments/{appointment_id}/video-link/revocation"
    )
    record_access(
        session.identity,
        touched,
        "POST",
        request.path,
        status,
        g.get("correlation_id"),
    )
    raise_refusal(status, answer)
    kicked = rooms().kick_links(appointment_id, "video.link_revoked")
    return jsonify(video_url=answer.get("video_url"), disconnected=kicked)


# Signalling ----------------------------------------------------------------------------------


def quietly_close(ws) -> None:
    with contextlib.suppress(ConnectionClosed, OSError):  # closed already: by the browser
        ws.close()


def refuse(ws, message: dict[str, Any]) -> None:
    ws.send(json.dumps(message))
    let_close(ws)


def let_close(ws, wait_s: float = 2.0) -> None:
    """Let the browser close first after our last message: closing at once may reset the
    connection before the browser has read it (seen on a busy machine)."""
    deadline = time.monotonic() + wait_s
    with contextlib.suppress(ConnectionClosed):
        while (left := deadline - time.monotonic()) > 0:
            ws.receive(timeout=left)


@sock.route("/video/<appointment_id>/ws", bp=bp)
def signalling(ws, appointment_id: str) -> None:
    """One participant's WebSocket for the whole call: join, relay, leave."""
    try:
        _check_id(appointment_id)
        who = admit(appointment_id)
    except Problem as refusal:
        refuse(ws, refusal_message(refusal))
        return
    except requests.RequestException:
        refuse(ws, {"type": "refused", "status": 502, "code": "video.unavailable"})
        return
    participant = Participant(
        id=secrets.token_hex(6),
        send_raw=ws.send,
        close=lambda: quietly_close(ws),
        name=who.name,
        kind=who.kind,
        subject=who.subject,
        device=who.device,
    )
    registry = rooms()
    access = who.access
    ice: IceConfig = current_app.extensions["video_ice"]
    host = (access.get("staff_ids") or ["?"])[0]
    # Holding our own lock until the welcome is out: nothing overtakes it.
    with participant.lock:
        try:
            room, peers = registry.join(appointment_id, access["citizen_id"], host, participant)
        except Problem as refusal:
            if who.kind == "link":
                link_audit(access["citizen_id"], appointment_id, who.device, refusal.status)
            refuse(ws, refusal_message(refusal))
            return
        ws.send(
            json.dumps(
                {
                    "type": "welcome",
                    "you": participant.public(),
                    "peers": peers,
                    "ice": ice.for_participant(),
                    "appointment": {
                        k: access.get(k) for k in ("starts_at", "ends_at", "citizen_name")
                    },
                    "call_started": room.started_at is not None,
                }
            )
        )
    try:
        while True:
            raw = ws.receive(timeout=None)
            if raw is None:
                continue
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            if message.get("type") == "leave":
                break
            if message.get("type") == "end" and participant.kind == "staff":
                registry.end(room, participant)
                let_close(ws)
                return
            if message.get("type") == "ice":
                answer: dict | None = {"type": "ice", "ice": ice.for_participant()}
            else:
                answer = registry.handle(room, participant, message)
            if answer is not None:
                with participant.lock:
                    ws.send(json.dumps(answer))
    except ConnectionClosed:
        pass
    finally:
        registry.leave(room, participant)
