"""Who may join a video visit's call, asked of the appointments service: a session's staff
member or citizen, or the holder of a join link (every use of a link audited); and the call's
facts told back to the appointments service (gateway/video.py serves the pages and sockets)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask, current_app, g, request

from gateway import policy
from gateway.audit import record_access
from gateway.identity import Identity
from gateway.sessions import SessionManager
from gateway.video_rooms import CallFact
from kit import data_subjects
from kit.auth import MACHINE, STAFF, Unauthenticated
from kit.errors import Problem
from kit.web import CORRELATION_HEADER

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


# Talking to the appointments service ------------------------------------------------------------


def call_appointments(
    identity: Identity, method: str, path: str, body: dict | None = None
) -> tuple[int, dict[str, Any], list[str]]:
    """One request to the appointments service as `identity`; answers status, JSON and the
    citizens it touched (for the audit trail, which the caller records)."""
    base = current_app.config["UPSTREAMS"]["appointments"].pick()
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
