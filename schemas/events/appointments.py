"""Events of the appointments service: bookings, moves, cancellations, outcomes and reminders.

Subject (and Kafka key) of every event here: the appointment id, so one appointment's events
stay in order (booked, moved, reminder_due, completed); a citizen's appointments may be
ordered independently of each other. Citizens are named by their person UUID, never a CPR.
Times are ISO 8601 in UTC; readers show them in Europe/Copenhagen.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.registry import event_type

APPOINTMENT_BOOKED = "dk.selvbetjening.appointment.booked.v1"
APPOINTMENT_MOVED = "dk.selvbetjening.appointment.moved.v1"
APPOINTMENT_CANCELLED = "dk.selvbetjening.appointment.cancelled.v1"
APPOINTMENT_COMPLETED = "dk.selvbetjening.appointment.completed.v1"
APPOINTMENT_NO_SHOW = "dk.selvbetjening.appointment.no_show.v1"
REMINDER_DUE = "dk.selvbetjening.appointment.reminder_due.v1"
# Video visits (docs/video.md): the call as the gateway's signalling saw it.
VIDEO_CALL_STARTED = "dk.selvbetjening.appointment.video_call_started.v1"
VIDEO_CALL_ENDED = "dk.selvbetjening.appointment.video_call_ended.v1"
VIDEO_CALL_NOT_CONNECTED = "dk.selvbetjening.appointment.video_call_not_connected.v1"
VIDEO_LINK_REVOKED = "dk.selvbetjening.appointment.video_link_revoked.v1"

KINDS = ("home_visit", "video_visit", "office_meeting")


class _Appointment(Schema):
    class Meta:
        # Consumers tolerate fields added later in the same version (forward compatible).
        unknown = "exclude"

    appointment_id = fields.String(required=True)
    citizen_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    staff_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    service_id = fields.String(load_default=None, allow_none=True)
    # Video visits: the join link from the configured provider; None for other kinds.
    video_url = fields.String(load_default=None, allow_none=True)
    location = fields.String(load_default=None, allow_none=True)  # office meetings only


@event_type(APPOINTMENT_BOOKED)
class AppointmentBookedSchema(_Appointment):
    booked_by = fields.String(required=True)  # the citizen, their proxy, or staff


@event_type(APPOINTMENT_MOVED)
class AppointmentMovedSchema(_Appointment):
    previous_starts_at = fields.AwareDateTime(required=True)
    previous_ends_at = fields.AwareDateTime(required=True)
    previous_staff_ids = fields.List(fields.String(), required=True)
    moved_by = fields.String(required=True)


@event_type(APPOINTMENT_CANCELLED)
class AppointmentCancelledSchema(_Appointment):
    cancelled_by = fields.String(required=True)
    reason = fields.String(load_default=None, allow_none=True)


@event_type(APPOINTMENT_COMPLETED)
class AppointmentCompletedSchema(_Appointment):
    recorded_by = fields.String(required=True)


@event_type(APPOINTMENT_NO_SHOW)
class AppointmentNoShowSchema(_Appointment):
    recorded_by = fields.String(required=True)


@event_type(REMINDER_DUE)
class ReminderDueSchema(_Appointment):
    reminder_id = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)


class _VideoCall(_Appointment):
    call_id = fields.String(required=True)
    host_id = fields.String(required=True)  # the staff member who held the call


@event_type(VIDEO_CALL_STARTED)
class VideoCallStartedSchema(_VideoCall):
    started_at = fields.AwareDateTime(required=True)  # the first two participants connected
    participants = fields.Integer(required=True)


@event_type(VIDEO_CALL_ENDED)
class VideoCallEndedSchema(_VideoCall):
    started_at = fields.AwareDateTime(required=True)
    ended_at = fields.AwareDateTime(required=True)
    duration_seconds = fields.Integer(required=True, validate=validate.Range(min=0))
    participants = fields.Integer(required=True)  # the most connected at once


@event_type(VIDEO_CALL_NOT_CONNECTED)
class VideoCallNotConnectedSchema(_VideoCall):
    attempted_at = fields.AwareDateTime(required=True)
    given_up_at = fields.AwareDateTime(required=True)
    # nobody_joined: the staff member waited alone; no_media: people joined, no connection
    reason = fields.String(required=True, validate=validate.OneOf(("nobody_joined", "no_media")))


@event_type(VIDEO_LINK_REVOKED)
class VideoLinkRevokedSchema(_Appointment):
    # video_url (in the base) is the new link; the old one no longer opens the call.
    revoked_by = fields.String(required=True)
