"""Persistence of the appointments service: the only module with queries.

No double booking is the database's job, not only ours: every staff member an appointment
holds has a row in `appointment_staff` with the time it blocks ([start, end + buffer)). On
PostgreSQL an exclusion constraint (migration 0002) refuses two overlapping active rows for
one staff member; on both databases a partial unique index refuses two active rows with the
same staff member and start. SQLite has no exclusion constraints, but its writers are
serialised (BEGIN IMMEDIATE, kit.db), so the overlap check inside the same transaction holds.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.exc import IntegrityError

from kit import break_glass, relations
from kit.db import ID, PERSON, UtcDateTime, new_metadata

metadata = new_metadata()
# The constraints that stop double booking; an IntegrityError naming them is a taken slot.
OVERLAP_CONSTRAINT = "ex_appointment_staff_no_overlap"
SAME_START_INDEX = "uq_appointment_staff_staff_start"

booking_rules = Table(
    "booking_rules",
    metadata,
    Column("service_id", String(100), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("opening_hours", JSON, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("buffer_minutes", Integer, nullable=False),
    Column("horizon_days", Integer, nullable=False),
    Column("citizen_cutoff_hours", Integer, nullable=False),
    Column("staff_ids", JSON, nullable=False),
    Column("self_bookable", Boolean, nullable=False),
    Column("tasks", JSON, nullable=False),
    Column("location", String(300), nullable=True),
    Column("reminder_minutes_before", Integer, nullable=True),
    Column("scheduler_ids", JSON, nullable=False, default=list),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", PERSON, nullable=False),
)

appointments = Table(
    "appointments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("citizen_id", PERSON, nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("service_id", String(100), nullable=True),
    Column("status", String(20), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("buffer_minutes", Integer, nullable=False),
    Column("staff_ids", JSON, nullable=False),
    Column("address", String(300), nullable=True),
    Column("location", String(300), nullable=True),
    Column("tasks", JSON, nullable=False),
    Column("note", Text, nullable=True),
    # Who the staff visit (booked by staff; the citizen's UUID alone tells them nothing).
    Column("citizen_name", String(200), nullable=True),
    Column("video_room", String(64), nullable=True, unique=True, index=True),
    Column("cutoff_hours", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", PERSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

appointment_staff = Table(
    "appointment_staff",
    metadata,
    Column("appointment_id", ID, primary_key=True),
    Column("staff_id", PERSON, primary_key=True),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("blocked_until", UtcDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
    # Constraints: see migration 0002 (OVERLAP_CONSTRAINT, SAME_START_INDEX).
)

appointment_history = Table(
    "appointment_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("appointment_id", ID, nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("staff_ids", JSON, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", PERSON, nullable=False),
    Column("by_kind", String(20), nullable=False),
    Column("on_behalf_of", PERSON, nullable=True),
    Column("reason", Text, nullable=True),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("appointment_id", ID, nullable=False),
    # The start the reminder is about: one reminder per appointment and start, ever.
    Column("starts_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False, index=True),
    Column("status", String(20), nullable=False),  # planned, cancelled, sent, skipped
    Column("sent_at", UtcDateTime, nullable=True),
)

video_calls = Table(
    "video_calls",
    metadata,
    Column("call_id", ID, primary_key=True),
    Column("appointment_id", ID, nullable=False, index=True),
    Column("host_id", PERSON, nullable=False),
    Column("outcome", String(20), nullable=False),  # started, ended, not_connected
    Column("attempted_at", UtcDateTime, nullable=True),
    Column("started_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("duration_seconds", Integer, nullable=True),
    Column("participants", Integer, nullable=False),
    Column("reason", String(30), nullable=True),
)


def is_double_booking(error: IntegrityError) -> bool:
    text = str(error.orig)
    return (
        OVERLAP_CONSTRAINT in text
        or SAME_START_INDEX in text
        or "appointment_staff.staff_id, appointment_staff.starts_at" in text
    )


# Staff relations to citizens (kit.policy): case assignments from the applications service's
# events, and this service's own break-glass grants (kit.break_glass).
assignment_view = relations.assignment_view(metadata)
break_glass_grants = break_glass.grants_table(metadata)
