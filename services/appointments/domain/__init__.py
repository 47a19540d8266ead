"""Appointment rules: bookable slots from local wall-clock rules, the status machine, and what
a citizen may change and until when.

Pure: no Flask, no SQL, no bus. Every instant is an aware datetime in UTC; rules are written in
Europe/Copenhagen wall-clock time ("08:00-15:30 on weekdays") and turned into instants per
date, so a daylight-saving day has the slots its clock says (and a 23- or 25-hour night).

One module per part (statuses, errors, slots, appointments, video); everything is importable
from here, as `domain.<name>`.
"""

from services.appointments.domain.appointments import (
    check_citizen_may_change,
    check_details,
    check_outcome_time,
    check_period,
    reminder_due_at,
    transition,
    video_url,
)
from services.appointments.domain.errors import (
    AppointmentNotFound,
    ChangeDeadlinePassed,
    InvalidAppointment,
    InvalidRules,
    InvalidTransition,
    NotASlot,
    NotSelfBookable,
    OutsideBookingWindow,
    ServiceNotFound,
    SlotTaken,
)
from services.appointments.domain.slots import (
    BookingRules,
    Busy,
    Slot,
    booking_window,
    citizen_slot,
    free_slots,
    is_free,
    local_date,
    local_instant,
    slot_starts,
    validate_rules,
)
from services.appointments.domain.statuses import (
    BOOKED,
    CANCELLED,
    COMPLETED,
    HOLDS_TIME,
    HOME_VISIT,
    LOCAL,
    NO_SHOW,
    OFFICE_MEETING,
    RESCHEDULED,
    STATUSES,
    TRANSITIONS,
    VIDEO_VISIT,
    WEEKDAYS,
)
from services.appointments.domain.video import (
    VIDEO_LOGGED_IN_GRACE,
    VIDEO_OPENS_EARLY,
    NotAVideoVisit,
    VideoClosed,
    VideoLinkInvalid,
    VideoNotOpenYet,
    VideoVisitCancelled,
    call_duration_seconds,
    check_video_open,
)

__all__ = [
    "AppointmentNotFound",
    "BOOKED",
    "BookingRules",
    "Busy",
    "CANCELLED",
    "COMPLETED",
    "ChangeDeadlinePassed",
    "HOLDS_TIME",
    "HOME_VISIT",
    "InvalidAppointment",
    "InvalidRules",
    "InvalidTransition",
    "LOCAL",
    "NO_SHOW",
    "NotASlot",
    "NotAVideoVisit",
    "NotSelfBookable",
    "OFFICE_MEETING",
    "OutsideBookingWindow",
    "RESCHEDULED",
    "STATUSES",
    "ServiceNotFound",
    "Slot",
    "SlotTaken",
    "TRANSITIONS",
    "VIDEO_LOGGED_IN_GRACE",
    "VIDEO_OPENS_EARLY",
    "VIDEO_VISIT",
    "VideoClosed",
    "VideoLinkInvalid",
    "VideoNotOpenYet",
    "VideoVisitCancelled",
    "WEEKDAYS",
    "booking_window",
    "call_duration_seconds",
    "check_citizen_may_change",
    "check_details",
    "check_outcome_time",
    "check_period",
    "check_video_open",
    "citizen_slot",
    "free_slots",
    "is_free",
    "local_date",
    "local_instant",
    "reminder_due_at",
    "slot_starts",
    "transition",
    "validate_rules",
    "video_url",
]
