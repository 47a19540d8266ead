"""Persistence of the appointments service: the only package with queries.

One module per part: tables (and why double booking is the database's job), rules,
bookings (appointments, held staff time, route, history), reminders and video; everything
is importable from here, as `store.<name>`.
"""

from services.appointments.store.bookings import (
    add_appointment,
    add_history,
    appointments_of,
    busy,
    find_appointment,
    history,
    hold_staff,
    release_staff,
    route,
    update_appointment,
)
from services.appointments.store.reminders import (
    PLANNED,
    REMINDER_CANCELLED,
    SENT,
    SKIPPED,
    cancel_reminders,
    due_reminders,
    find_reminder,
    finish_reminder,
    plan_reminder,
)
from services.appointments.store.rules import (
    all_rules,
    find_rules,
    save_rules,
)
from services.appointments.store.tables import (
    ID,
    OVERLAP_CONSTRAINT,
    PERSON,
    SAME_START_INDEX,
    appointment_history,
    appointment_staff,
    appointments,
    booking_rules,
    is_double_booking,
    metadata,
    reminders,
    video_calls,
)
from services.appointments.store.video import (
    add_video_call,
    find_by_video_room,
    find_video_call,
    update_video_call,
    video_calls_of,
)

__all__ = [
    "ID",
    "OVERLAP_CONSTRAINT",
    "PERSON",
    "PLANNED",
    "REMINDER_CANCELLED",
    "REMINDER_CANCELLED",
    "SAME_START_INDEX",
    "SENT",
    "SKIPPED",
    "add_appointment",
    "add_history",
    "add_video_call",
    "all_rules",
    "appointment_history",
    "appointment_staff",
    "appointments",
    "appointments_of",
    "booking_rules",
    "busy",
    "cancel_reminders",
    "due_reminders",
    "find_appointment",
    "find_by_video_room",
    "find_reminder",
    "find_rules",
    "find_video_call",
    "finish_reminder",
    "history",
    "hold_staff",
    "is_double_booking",
    "metadata",
    "plan_reminder",
    "release_staff",
    "reminders",
    "route",
    "save_rules",
    "update_appointment",
    "update_video_call",
    "video_calls",
    "video_calls_of",
]
