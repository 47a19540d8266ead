"""HTTP API of video visits (docs/video.md): who may join, the join link, the calls held."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from marshmallow import Schema, fields, validate

from kit.auth import CITIZEN, MACHINE, STAFF, current_principal, requires
from kit.openapi import documented
from kit.web import parse
from services.appointments.api_schemas import AppointmentOut
from services.appointments.services import STAFF_ROLES
from services.appointments.video_calls import VIDEO_SCOPE, VideoCalls

bp = Blueprint("video_calls", __name__, url_prefix="/api/appointments")

NOT_OPEN = ["video.not_a_video_visit", "video.not_open_yet", "video.closed"]


class VideoCallOut(Schema):
    call_id = fields.String()
    outcome = fields.String(metadata={"enum": ["started", "ended", "not_connected"]})
    host_id = fields.String()
    attempted_at = fields.String(allow_none=True)
    started_at = fields.String(allow_none=True)
    ended_at = fields.String(allow_none=True)
    duration_seconds = fields.Integer(allow_none=True)
    participants = fields.Integer()
    reason = fields.String(allow_none=True)


class VideoAccessOut(Schema):
    appointment_id = fields.String()
    citizen_id = fields.String()
    status = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    staff_ids = fields.List(fields.String())
    role = fields.String(metadata={"enum": ["host", "guest"]})
    citizen_name = fields.String(allow_none=True)
    video_calls = fields.List(fields.Nested(VideoCallOut))


class VideoCallsOut(Schema):
    appointment_id = fields.String()
    video_calls = fields.List(fields.Nested(VideoCallOut))


class LinkLookupSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=64))


class VideoCallRecordSchema(Schema):
    event = fields.String(
        required=True, validate=validate.OneOf(("started", "ended", "not_connected"))
    )
    call_id = fields.String(required=True, validate=validate.Length(min=8, max=36))
    host_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    at = fields.AwareDateTime(required=True)
    attempted_at = fields.AwareDateTime(load_default=None)
    participants = fields.Integer(required=True, validate=validate.Range(min=0, max=50))
    reason = fields.String(
        load_default=None, validate=validate.OneOf(("nobody_joined", "no_media"))
    )


def video_calls() -> VideoCalls:
    return current_app.extensions["video_calls"]


@bp.get("/appointments/<appointment_id>/video-access")
@documented(
    summary="May I join this video visit now? (the citizen, a proxy, or assigned staff)",
    tags=["video visits"],
    response=VideoAccessOut,
    errors={
        403: ["auth.wrong_kind_of_caller", "proxy.no_authority", *NOT_OPEN[1:]],
        404: ["appointment.not_found"],
        409: NOT_OPEN[:1],
        410: ["video.visit_cancelled"],
    },
)
@requires(kinds=(CITIZEN, STAFF), roles=STAFF_ROLES)
def video_access(appointment_id: str):
    return jsonify(video_calls().access(current_principal(), appointment_id))


@bp.get("/appointments/<appointment_id>/video-calls")
@documented(
    summary="The video calls of a visit: started, ended with duration, or never connected",
    tags=["video visits"],
    response=VideoCallsOut,
    errors={
        403: ["auth.wrong_kind_of_caller", "proxy.no_authority"],
        404: ["appointment.not_found"],
    },
)
@requires(kinds=(CITIZEN, STAFF), roles=STAFF_ROLES)
def list_video_calls(appointment_id: str):
    return jsonify(video_calls().calls(current_principal(), appointment_id))


@bp.post("/appointments/<appointment_id>/video-link/revocation")
@documented(
    summary="Revoke the join link (assigned staff); a new link replaces it",
    tags=["video visits"],
    response=AppointmentOut,
    errors={403: ["auth.wrong_kind_of_caller"], 404: ["appointment.not_found"], 409: NOT_OPEN[:1]},
)
@requires(kinds=(STAFF,), roles=STAFF_ROLES)
def revoke_video_link(appointment_id: str):
    return jsonify(video_calls().revoke_link(current_principal(), appointment_id))


@bp.post("/video-links/lookup")
@documented(
    summary="The video visit a join link opens, while it is open (the gateway's signalling)",
    tags=["video visits"],
    body=LinkLookupSchema,
    response=VideoAccessOut,
    errors={
        403: ["auth.missing_scope", *NOT_OPEN[1:]],
        404: ["video.link_invalid"],
        409: NOT_OPEN[:1],
        410: ["video.visit_cancelled"],
    },
)
@requires(kinds=(MACHINE,), scopes=(VIDEO_SCOPE,))
def lookup_video_link():
    return jsonify(video_calls().resolve_link(parse(LinkLookupSchema())["token"]))


@bp.post("/appointments/<appointment_id>/video-calls")
@documented(
    summary="Record what the signalling saw: a call started, ended, or never connected",
    tags=["video visits"],
    body=VideoCallRecordSchema,
    response=VideoCallsOut,
    description="Idempotent per call_id. An ended call that connected makes the visit "
    "completed (held), with its duration.",
    errors={403: ["auth.missing_scope"], 404: ["appointment.not_found"]},
)
@requires(kinds=(MACHINE,), scopes=(VIDEO_SCOPE,))
def record_video_call(appointment_id: str):
    return jsonify(video_calls().record(appointment_id, parse(VideoCallRecordSchema())))
