"""Video visits (skærmbesøg): the call page, the join link, and WebRTC signalling over a
WebSocket (flask-sock), authorised per appointment. Media flows browser to browser (or
through TURN); it never passes through this process. docs/video.md tells the whole story.

Who may join an appointment's call: an assigned staff member (session), the citizen or their
proxy (session), or whoever holds the appointment's join link (no login): from shortly
before the start until the end, one device at a time, revocable by staff, every use audited.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Blueprint, Flask, current_app, g, jsonify, redirect, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed
from werkzeug.wrappers import Response

from gateway import policy
from gateway.audit import record_access
from gateway.identity import Identity
from gateway.login import check_csrf
from gateway.pages import _page
from gateway.sessions import SessionManager
from gateway.video_rooms import CallFact, IceConfig, Participant, Rooms
from kit import data_subjects
from kit.auth import MACHINE, STAFF, Unauthenticated
from kit.errors import Problem
from kit.web import CORRELATION_HEADER

bp = Blueprint("video", __name__)
sock = Sock()

APPOINTMENT_ID = re.compile(r"[0-9a-f-]{36}")
LINK_COOKIE = "sb_video_link"
DEVICE_COOKIE = "sb_video_device"
VIDEO_SCOPE = "appointments:video"
# The gateway's signalling towards the appointments service: resolve links, record calls.
SIGNALLING = Identity(
    subject="video-signalling", kind=MACHINE, channel="integration", scopes=(VIDEO_SCOPE,)
)


class Refused(Problem):
    """A refusal from the appointments service, passed on with its status and code."""


class OtherAppointment(Problem):
    status = 403
    code = "video.link_other_appointment"
    title_da = "Linket hører til et andet besøg"
    title_en = "The link belongs to another visit"


class ForeignOrigin(Problem):
    status = 403
    code = "video.foreign_origin"
    title_da = "Forbindelsen kom fra en anden side"
    title_en = "The connection came from another site"


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


# Talking to the appointments service ------------------------------------------------------------


def call_appointments(
    identity: Identity, method: str, path: str, body: dict | None = None
) -> tuple[int, dict[str, Any], list[str]]:
    """One request to the appointments service as `identity`; answers status, JSON and the
    citizens it touched (for the audit trail, which the caller records)."""
    base = current_app.config["UPSTREAMS"]["appointments"]
    policy.check_route("appointments", identity.kind)
    token = current_app.extensions["minter"].mint(
        identity.internal_claims(with_cpr=False), audience="selvbetjening/appointments"
    )
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if "correlation_id" in g:
        headers[CORRELATION_HEADER] = g.correlation_id
    answer = requests.request(
        method, f"{base}/api/appointments{path}", json=body, headers=headers, timeout=(3, 10)
    )
    touched = [s for s in answer.headers.get(data_subjects.HEADER, "").split(",") if s]
    return answer.status_code, answer.json() if answer.content else {}, touched


def raise_refusal(status: int, problem: dict[str, Any]) -> None:
    if status < 400:
        return
    raise Refused(
        detail_en=str(problem.get("detail") or ""),
        code=str(problem.get("code") or "video.refused"),
        status=status,
        extra={k: v for k, v in problem.items() if k in ("opens_at", "closed_at")},
    )


class Recorder:
    """Tells the appointments service what a call did; retried a few times (idempotent per
    call id there). Runs in the caller's thread, outside any lock."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, fact: CallFact) -> None:
        with self.app.app_context():
            for _attempt in range(3):
                try:
                    status, _, _ = call_appointments(
                        SIGNALLING,
                        "POST",
                        f"/appointments/{fact.appointment_id}/video-calls",
                        fact.body,
                    )
                except requests.RequestException:
                    continue
                if status < 500:
                    if status >= 400:
                        self.app.logger.warning("video call not recorded: %s", status)
                    return
            self.app.logger.error("video call %s not recorded", fact.body.get("call_id"))


# Who joins -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    access: dict[str, Any]
    kind: str  # staff, citizen or link
    subject: str
    name: str | None
    device: str | None = None


def device_label(device: str | None) -> str:
    """A short, stable name for a device in the audit trail (never the cookie itself)."""
    return hashlib.sha256((device or "").encode()).hexdigest()[:8]


def link_audit(citizen_id: str, appointment_id: str, device: str | None, status: int) -> None:
    """Every use of a join link, allowed or refused, lands in the citizen's access log."""
    record_access(
        Identity(subject="video-join-link", kind=MACHINE, channel="portal"),
        [citizen_id],
        "POST",
        f"/video/{appointment_id} join link, device {device_label(device)}",
        status,
        g.get("correlation_id"),
    )


def resolve_link(token: str, device: str | None, appointment_id: str | None = None) -> dict:
    """The appointment a join link opens now; refusals are audited for its citizen."""
    status, answer, _ = call_appointments(
        SIGNALLING, "POST", "/video-links/lookup", {"token": token}
    )
    citizen = answer.get("citizen_id")
    shown = appointment_id or answer.get("appointment_id") or "?"
    if status >= 400:
        if citizen:
            link_audit(citizen, shown, device, status)
        raise_refusal(status, answer)
    if appointment_id is not None and answer["appointment_id"] != appointment_id:
        link_audit(answer["citizen_id"], appointment_id, device, OtherAppointment.status)
        raise OtherAppointment()
    return answer


def admit(appointment_id: str) -> Admission:
    """Who is at the door of this appointment's call, or a refusal."""
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise ForeignOrigin()  # another site's page must not ride the citizen's cookies
    sessions: SessionManager = current_app.extensions["sessions"]
    session = sessions.current()
    if session is not None:
        identity = session.identity
        status, answer, touched = call_appointments(
            identity, "GET", f"/appointments/{appointment_id}/video-access"
        )
        record_access(
            identity, touched, "GET", f"/video/{appointment_id}", status, g.get("correlation_id")
        )
        raise_refusal(status, answer)
        kind = "staff" if identity.kind == STAFF else "citizen"
        return Admission(answer, kind, identity.subject, identity.name)
    token = request.cookies.get(LINK_COOKIE, "")
    if not token:
        raise Unauthenticated(
            "Log ind, eller brug linket fra din besked.",
            "Log in, or use the link from your message.",
            code="auth.token_missing",
        )
    device = request.cookies.get(DEVICE_COOKIE)
    answer = resolve_link(token, device, appointment_id)
    link_audit(answer["citizen_id"], appointment_id, device, 200)
    return Admission(answer, "link", "video-join-link", None, device)


def refusal_message(problem: Problem) -> dict[str, Any]:
    return {
        "type": "refused",
        "status": problem.status,
        "code": problem.code,
        "title": problem.title_da,
        "title_en": problem.title_en,
        "detail": problem.detail_da or problem.detail_en,
        "detail_en": problem.detail_en or problem.detail_da,
        **{k: v for k, v in problem.extra.items() if k in ("opens_at", "closed_at")},
    }


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
