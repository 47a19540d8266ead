"""Use cases of video visits (docs/video.md): who may join a call, the join link (resolve,
revoke), and the calls the gateway's signalling saw, recorded on the appointment.

The media never reaches this service; the gateway signals and tells what happened: a call
started (the first two participants connected), ended, or never connected.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kit.auth import STAFF, Principal
from kit.data_subjects import touched
from kit.errors import Problem
from kit.events import Actor
from kit.outbox import record_event
from schemas.events.appointments import (
    APPOINTMENT_COMPLETED,
    VIDEO_CALL_ENDED,
    VIDEO_CALL_NOT_CONNECTED,
    VIDEO_CALL_STARTED,
    VIDEO_LINK_REVOKED,
)
from services.appointments import announcements, domain, store, views
from services.appointments.domain import AppointmentNotFound, VideoLinkInvalid
from services.appointments.services import READ, Appointments

VIDEO_SCOPE = "appointments:video"  # the gateway's signalling: resolve links, record calls
# The gateway's signalling records what it saw; the staff member who held the call is host_id.
SIGNALLING = Actor.system("video-signalling")


def new_room() -> str:
    """The join link's secret: random, bound to one appointment, no personal data."""
    return secrets.token_urlsafe(18)


class VideoCalls:
    def __init__(self, appointments: Appointments) -> None:
        self.appointments = appointments
        self.engine = appointments.engine
        self.clock = appointments.clock

    # Who may join ------------------------------------------------------------------------------

    def access(self, principal: Principal, appointment_id: str) -> dict[str, Any]:
        """A person logged in: the citizen, their proxy, or a staff member the visit is
        assigned to. Anyone else is told the appointment does not exist."""
        with self.engine.connect() as conn:
            row, _ = self.appointments._load(conn, principal, appointment_id, READ)
            if principal.kind == STAFF and principal.subject not in row["staff_ids"]:
                raise AppointmentNotFound()
            domain.check_video_open(
                row["kind"],
                row["status"],
                row["starts_at"],
                row["ends_at"],
                self.clock(),
                link=False,
            )
            return self._access(conn, row, "host" if principal.kind == STAFF else "guest")

    def calls(self, principal: Principal, appointment_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row, _ = self.appointments._load(conn, principal, appointment_id, READ)
            return {
                "appointment_id": row["id"],
                "video_calls": [views.video_call(c) for c in store.video_calls_of(conn, row["id"])],
            }

    def resolve_link(self, token: str) -> dict[str, Any]:
        """The appointment a join link opens, while it is open (the gateway asks)."""
        if not token or len(token) > 64:
            raise VideoLinkInvalid()
        with self.engine.connect() as conn:
            row = store.find_by_video_room(conn, token)
            if row is None:
                raise VideoLinkInvalid()
            touched(row["citizen_id"])
            try:
                domain.check_video_open(
                    row["kind"],
                    row["status"],
                    row["starts_at"],
                    row["ends_at"],
                    self.clock(),
                    link=True,
                )
            except Problem as refusal:
                # Tell the gateway whose link it was, so the refused use is audited for them.
                refusal.extra = {
                    **refusal.extra,
                    "citizen_id": row["citizen_id"],
                    "appointment_id": row["id"],
                }
                raise
            return self._access(conn, row, "guest")

    def _access(self, conn: Connection, row: dict[str, Any], role: str) -> dict[str, Any]:
        touched(row["citizen_id"])
        return {
            "appointment_id": row["id"],
            "citizen_id": row["citizen_id"],
            "status": row["status"],
            "starts_at": views.local(row["starts_at"]),
            "ends_at": views.local(row["ends_at"]),
            "staff_ids": list(row["staff_ids"]),
            "role": role,
            # Staff see whom they call; a join link's holder is not told the citizen's name.
            "citizen_name": row.get("citizen_name") if role == "host" else None,
            "video_calls": [views.video_call(c) for c in store.video_calls_of(conn, row["id"])],
        }

    def revoke_link(self, principal: Principal, appointment_id: str) -> dict[str, Any]:
        """An assigned staff member revokes the join link: a new one replaces it at once."""
        with self.engine.begin() as conn:
            row, acting = self.appointments._load(
                conn, principal, appointment_id, READ, for_update=True
            )
            if principal.subject not in row["staff_ids"]:
                raise AppointmentNotFound()
            if row["kind"] != domain.VIDEO_VISIT:
                raise domain.NotAVideoVisit()
            now = self.clock()
            row.update(video_room=new_room(), updated_at=now)
            store.update_appointment(
                conn, appointment_id, video_room=row["video_room"], updated_at=now
            )
            template = self.appointments.template
            record_event(
                conn,
                announcements.TOPIC,
                announcements.video(
                    VIDEO_LINK_REVOKED, row, acting.actor, template, revoked_by=principal.subject
                ),
            )
            return views.appointment(row, template)

    # What the signalling saw -------------------------------------------------------------------

    def record(self, appointment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """started / ended / not_connected, idempotent per call id (the gateway may retry)."""
        with self.engine.begin() as conn:
            row = store.find_appointment(conn, appointment_id, for_update=True)
            if row is None or row["kind"] != domain.VIDEO_VISIT:
                raise AppointmentNotFound()
            touched(row["citizen_id"])
            call = store.find_video_call(conn, body["call_id"])
            if call is not None and call["appointment_id"] != appointment_id:
                raise AppointmentNotFound()
            host = body["host_id"]
            {
                "started": self._started,
                "ended": self._ended,
                "not_connected": self._not_connected,
            }[body["event"]](conn, row, call, body, host)
            return {
                "appointment_id": appointment_id,
                "video_calls": [views.video_call(c) for c in store.video_calls_of(conn, row["id"])],
            }

    def _event(self, event_type: str, row: dict[str, Any], host: str, **data: Any):
        return announcements.video(
            event_type, row, SIGNALLING, self.appointments.template, host_id=host, **data
        )

    def _started(self, conn, row, call, body, host) -> None:
        if call is not None:
            return  # a retry
        started_at = body["at"]
        store.add_video_call(
            conn,
            {
                "call_id": body["call_id"],
                "appointment_id": row["id"],
                "host_id": host,
                "outcome": "started",
                "attempted_at": body.get("attempted_at") or started_at,
                "started_at": started_at,
                "participants": body["participants"],
            },
        )
        record_event(
            conn,
            announcements.TOPIC,
            self._event(
                VIDEO_CALL_STARTED,
                row,
                host,
                call_id=body["call_id"],
                started_at=started_at.isoformat(),
                participants=body["participants"],
            ),
        )

    def _ended(self, conn, row, call, body, host) -> None:
        if call is None or call["ended_at"] is not None:
            return  # never started (not_connected says so), or a retry
        ended_at: datetime = body["at"]
        duration = domain.call_duration_seconds(call["started_at"], ended_at)
        participants = max(call["participants"], body["participants"])
        store.update_video_call(
            conn,
            call["call_id"],
            outcome="ended",
            ended_at=ended_at,
            duration_seconds=duration,
            participants=participants,
        )
        record_event(
            conn,
            announcements.TOPIC,
            self._event(
                VIDEO_CALL_ENDED,
                row,
                host,
                call_id=call["call_id"],
                started_at=call["started_at"].isoformat(),
                ended_at=ended_at.isoformat(),
                duration_seconds=duration,
                participants=participants,
            ),
        )
        self._held(conn, row, host, ended_at)

    def _held(self, conn: Connection, row: dict[str, Any], host: str, at: datetime) -> None:
        """A call that connected makes the visit held: booked becomes completed."""
        if domain.COMPLETED not in domain.TRANSITIONS[row["status"]] or at < row["starts_at"]:
            return
        row.update(status=domain.COMPLETED, updated_at=at)
        store.update_appointment(conn, row["id"], status=domain.COMPLETED, updated_at=at)
        store.cancel_reminders(conn, row["id"])
        store.add_history(
            conn,
            appointment_id=row["id"],
            status=domain.COMPLETED,
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            staff_ids=row["staff_ids"],
            at=at,
            by=host,
            by_kind=STAFF,
            on_behalf_of=row["citizen_id"],
            reason="video_call",
        )
        record_event(
            conn,
            announcements.TOPIC,
            announcements.outcome(
                APPOINTMENT_COMPLETED, row, SIGNALLING, self.appointments.template
            ),
        )

    def _not_connected(self, conn, row, call, body, host) -> None:
        if call is not None:
            return
        given_up_at: datetime = body["at"]
        attempted_at = body.get("attempted_at") or given_up_at
        store.add_video_call(
            conn,
            {
                "call_id": body["call_id"],
                "appointment_id": row["id"],
                "host_id": host,
                "outcome": "not_connected",
                "attempted_at": attempted_at,
                "ended_at": given_up_at,
                "participants": body["participants"],
                "reason": body["reason"],
            },
        )
        record_event(
            conn,
            announcements.TOPIC,
            self._event(
                VIDEO_CALL_NOT_CONNECTED,
                row,
                host,
                call_id=body["call_id"],
                attempted_at=attempted_at.isoformat(),
                given_up_at=given_up_at.isoformat(),
                reason=body["reason"],
            ),
        )
