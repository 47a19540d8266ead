"""Appointment rules: bookable slots from local wall-clock rules, the status machine, and what
a citizen may change and until when.

Pure: no Flask, no SQL, no bus. Every instant is an aware datetime in UTC; rules are written in
Europe/Copenhagen wall-clock time ("08:00-15:30 on weekdays") and turned into instants per
date, so a daylight-saving day has the slots its clock says (and a 23- or 25-hour night).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kit.errors import Problem
from schemas.events.appointments import KINDS

LOCAL = ZoneInfo("Europe/Copenhagen")
HOME_VISIT, VIDEO_VISIT, OFFICE_MEETING = KINDS
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

BOOKED, RESCHEDULED, CANCELLED, COMPLETED, NO_SHOW = (
    "booked",
    "rescheduled",
    "cancelled",
    "completed",
    "no_show",
)
STATUSES = (BOOKED, RESCHEDULED, CANCELLED, COMPLETED, NO_SHOW)
# Statuses in which the appointment holds its staff's time.
HOLDS_TIME = frozenset({BOOKED, RESCHEDULED, COMPLETED, NO_SHOW})
# Every allowed transition; anything else is appointment.invalid_transition.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    BOOKED: frozenset({RESCHEDULED, CANCELLED, COMPLETED, NO_SHOW}),
    RESCHEDULED: frozenset({RESCHEDULED, CANCELLED, COMPLETED, NO_SHOW}),
    CANCELLED: frozenset(),
    COMPLETED: frozenset(),
    NO_SHOW: frozenset(),
}


# Errors ---------------------------------------------------------------------------------------


class AppointmentNotFound(Problem):
    status = 404
    code = "appointment.not_found"
    title_da = "Aftalen findes ikke"
    title_en = "The appointment does not exist"


class ServiceNotFound(Problem):
    status = 404
    code = "appointment.service_not_found"
    title_da = "Den slags tid findes ikke"
    title_en = "There is no such kind of appointment"


class SlotTaken(Problem):
    status = 409
    code = "appointment.slot_taken"
    title_da = "Tiden er desværre optaget. Vælg en anden tid"
    title_en = "The time is already taken. Choose another time"


class NotASlot(Problem):
    status = 422
    code = "appointment.not_a_slot"
    title_da = "Tidspunktet er ikke en ledig tid"
    title_en = "The time is not a bookable slot"


class OutsideBookingWindow(Problem):
    status = 422
    code = "appointment.outside_booking_window"
    title_da = "Tiden ligger uden for det tidsrum, du kan booke i"
    title_en = "The time is outside the period you can book in"


class ChangeDeadlinePassed(Problem):
    status = 409
    code = "appointment.change_deadline_passed"
    title_da = "Det er for sent at ændre aftalen selv. Ring til kommunen"
    title_en = "It is too late to change the appointment yourself. Call the municipality"


class NotSelfBookable(Problem):
    status = 403
    code = "appointment.not_self_bookable"
    title_da = "Denne slags tid kan kun bookes af en medarbejder"
    title_en = "Only staff can book this kind of appointment"


class InvalidTransition(Problem):
    status = 409
    code = "appointment.invalid_transition"
    title_da = "Aftalen kan ikke ændres sådan i sin nuværende status"
    title_en = "The appointment cannot change like that in its current status"


class InvalidAppointment(Problem):
    status = 422
    code = "appointment.invalid"
    title_da = "Aftalen er ikke gyldig"
    title_en = "The appointment is not valid"


class InvalidRules(Problem):
    status = 422
    code = "appointment.invalid_rules"
    title_da = "Reglerne for booking er ikke gyldige"
    title_en = "The booking rules are not valid"


# Rules and slots ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingRules:
    """When and how a kind of appointment can be booked (one per offered service)."""

    service_id: str
    title: str
    kind: str
    # Local wall-clock windows per weekday: {"mon": [("08:00", "15:30")], ...}.
    opening_hours: Mapping[str, Sequence[tuple[str, str]]]
    duration_minutes: int
    buffer_minutes: int  # after each visit: travel, notes
    horizon_days: int  # how far ahead citizens can book
    citizen_cutoff_hours: int  # citizens book, move and cancel no later than this before
    staff_ids: tuple[str, ...]
    self_bookable: bool = True
    tasks: tuple[str, ...] = ()
    location: str | None = None  # office meetings: where
    reminder_minutes_before: int | None = None  # None: the service's default

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


def validate_rules(rules: BookingRules) -> BookingRules:
    if rules.kind not in KINDS:
        raise InvalidRules(detail_en=f"kind must be one of {', '.join(KINDS)}", field="kind")
    if rules.duration_minutes <= 0 or rules.buffer_minutes < 0:
        raise InvalidRules(
            detail_en="duration must be positive, buffer not negative", field="duration_minutes"
        )
    if not rules.staff_ids:
        raise InvalidRules(detail_en="name at least one staff member", field="staff_ids")
    for day, windows in rules.opening_hours.items():
        if day not in WEEKDAYS:
            raise InvalidRules(detail_en=f"unknown weekday {day!r}", field="opening_hours")
        for opens, closes in windows:
            if _clock(opens) >= _clock(closes) and closes != "24:00":
                raise InvalidRules(
                    detail_en=f"{day}: {opens}-{closes} closes before it opens",
                    field="opening_hours",
                )
    return rules


def _clock(value: str) -> time:
    hours, minutes = (int(part) for part in value.split(":"))
    return time(hours, minutes)


def local_instant(day: date, clock: str) -> datetime:
    """The UTC instant of a local wall-clock time on a date ("24:00" is the next midnight).

    A time that does not exist (02:30 on the spring-forward night) means the same instant as
    on the day before the jump, i.e. 03:30 summer time; an ambiguous one (02:30 on the
    autumn night) means its first occurrence.
    """
    if clock == "24:00":
        return local_instant(day + timedelta(days=1), "00:00")
    return datetime.combine(day, _clock(clock), tzinfo=LOCAL).astimezone(UTC)


def local_date(instant: datetime) -> date:
    return instant.astimezone(LOCAL).date()


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    free_staff: tuple[str, ...] = field(default=())


Busy = Mapping[str, Sequence[tuple[datetime, datetime]]]  # staff id -> [start, blocked until)


def slot_starts(rules: BookingRules, day: date) -> list[datetime]:
    """Every slot start of a local date: from each opening, one every duration + buffer of
    real time, while the visit ends by closing."""
    starts: list[datetime] = []
    step = rules.duration + rules.buffer
    for opens, closes in rules.opening_hours.get(WEEKDAYS[day.weekday()], ()):
        start, closing = local_instant(day, opens), local_instant(day, closes)
        while start + rules.duration <= closing:
            starts.append(start)
            start += step
    return sorted(starts)


def is_free(busy: Busy, staff_id: str, start: datetime, blocked_until: datetime) -> bool:
    return all(
        not (start < other_until and other_start < blocked_until)
        for other_start, other_until in busy.get(staff_id, ())
    )


def free_slots(
    rules: BookingRules, first: date, last: date, busy: Busy, now: datetime
) -> list[Slot]:
    """The slots citizens may book between two local dates (inclusive), each with the staff
    members who are free for it (the visit and the buffer after it)."""
    earliest, latest = booking_window(rules, now)
    slots: list[Slot] = []
    day = max(first, local_date(earliest))
    while day <= min(last, local_date(latest)):
        for start in slot_starts(rules, day):
            if not earliest <= start <= latest:
                continue
            free = tuple(
                s
                for s in rules.staff_ids
                if is_free(busy, s, start, start + rules.duration + rules.buffer)
            )
            if free:
                slots.append(Slot(start, start + rules.duration, free))
        day += timedelta(days=1)
    return slots


def booking_window(rules: BookingRules, now: datetime) -> tuple[datetime, datetime]:
    """Citizens book from the cutoff ahead of now until the horizon (end of that local day)."""
    earliest = now + timedelta(hours=rules.citizen_cutoff_hours)
    latest = local_instant(local_date(now) + timedelta(days=rules.horizon_days + 1), "00:00")
    return earliest, latest - timedelta(microseconds=1)


def citizen_slot(rules: BookingRules, start: datetime, busy: Busy, now: datetime) -> Slot:
    """The slot a citizen asks for, checked against the rules; its free staff may be none."""
    if not rules.self_bookable:
        raise NotSelfBookable()
    earliest, latest = booking_window(rules, now)
    if not earliest <= start <= latest:
        raise OutsideBookingWindow(
            f"Du kan booke fra {rules.citizen_cutoff_hours} timer og op til "
            f"{rules.horizon_days} dage frem.",
            f"You can book from {rules.citizen_cutoff_hours} hours up to "
            f"{rules.horizon_days} days ahead.",
            field="starts_at",
        )
    if start not in slot_starts(rules, local_date(start)):
        raise NotASlot(field="starts_at")
    free = tuple(
        s for s in rules.staff_ids if is_free(busy, s, start, start + rules.duration + rules.buffer)
    )
    if not free:
        raise SlotTaken(field="starts_at")
    return Slot(start, start + rules.duration, free)


# Appointments ---------------------------------------------------------------------------------


def check_period(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidAppointment(
            "Sluttidspunktet skal ligge efter starttidspunktet.",
            "The end must lie after the start.",
            code="appointment.invalid_period",
            field="ends_at",
        )
    if ends_at - starts_at > timedelta(hours=12):
        raise InvalidAppointment(
            detail_en="an appointment lasts at most 12 hours",
            code="appointment.invalid_period",
            field="ends_at",
        )


def check_details(kind: str, address: str | None, staff_ids: Iterable[str]) -> None:
    if kind == HOME_VISIT and not (address or "").strip():
        raise InvalidAppointment(
            "Et hjemmebesøg skal have en adresse.",
            "A home visit needs an address.",
            code="appointment.address_required",
            field="address",
        )
    if not list(staff_ids):
        raise InvalidAppointment(
            "Angiv mindst én medarbejder.",
            "Name at least one staff member.",
            code="appointment.staff_required",
            field="staff_ids",
        )


def transition(status: str, to: str) -> str:
    if to not in TRANSITIONS[status]:
        raise InvalidTransition(extra={"status": status, "wanted": to})
    return to


def check_citizen_may_change(starts_at: datetime, cutoff_hours: int, now: datetime) -> None:
    """Citizens move or cancel no later than the cutoff before the appointment starts."""
    if starts_at - now < timedelta(hours=cutoff_hours):
        raise ChangeDeadlinePassed(
            f"Du kan kun selv ændre eller aflyse til {cutoff_hours} timer før.",
            f"You can only change or cancel yourself until {cutoff_hours} hours before.",
            extra={"cutoff_hours": cutoff_hours},
        )


def check_outcome_time(starts_at: datetime, now: datetime) -> None:
    """Completed or no-show can be recorded only once the visit has begun."""
    if now < starts_at:
        raise InvalidTransition(
            "Besøget er ikke begyndt endnu.",
            "The visit has not begun yet.",
            code="appointment.not_started",
        )


def reminder_due_at(starts_at: datetime, lead: timedelta, now: datetime) -> datetime | None:
    """When to remind of a visit: `lead` before it, or at once if that moment has passed
    (a late reminder of a new time beats none); None if the visit has begun."""
    if starts_at <= now:
        return None
    return max(starts_at - lead, now)


def video_url(template: str, room: str | None) -> str | None:
    """The join link from the municipality's video provider; we hold only the room name."""
    if room is None or not template:
        return None
    return template.replace("{room}", room)


# Video visits (docs/video.md) -----------------------------------------------------------------

# A video visit opens this long before its start; a join link works from then until the end.
VIDEO_OPENS_EARLY = timedelta(minutes=15)
# People logged in (staff, the citizen, a proxy) may come back this long after the end: a
# call that runs over survives a dropped connection.
VIDEO_LOGGED_IN_GRACE = timedelta(minutes=30)


class NotAVideoVisit(Problem):
    status = 409
    code = "video.not_a_video_visit"
    title_da = "Aftalen er ikke et skærmbesøg"
    title_en = "The appointment is not a video visit"


class VideoLinkInvalid(Problem):
    status = 404
    code = "video.link_invalid"
    title_da = "Linket virker ikke (længere). Brug det nyeste link, eller log ind"
    title_en = "The link does not work (any more). Use the newest link, or log in"


class VideoNotOpenYet(Problem):
    status = 403
    code = "video.not_open_yet"
    title_da = "Skærmbesøget er ikke åbnet endnu"
    title_en = "The video visit has not opened yet"


class VideoClosed(Problem):
    status = 403
    code = "video.closed"
    title_da = "Skærmbesøget er slut"
    title_en = "The video visit is over"


class VideoVisitCancelled(Problem):
    status = 410
    code = "video.visit_cancelled"
    title_da = "Skærmbesøget er aflyst"
    title_en = "The video visit was cancelled"


def check_video_open(
    kind: str, status: str, starts_at: datetime, ends_at: datetime, now: datetime, *, link: bool
) -> None:
    """A video visit can be joined from shortly before its start until its end (by join
    link) or a little after it (logged in); never once cancelled."""
    if kind != VIDEO_VISIT:
        raise NotAVideoVisit()
    if status == CANCELLED:
        raise VideoVisitCancelled()
    opens = starts_at - VIDEO_OPENS_EARLY
    if now < opens:
        local_opens = opens.astimezone(LOCAL)
        raise VideoNotOpenYet(
            f"Du kan gå ind fra kl. {local_opens:%H.%M} den {local_opens:%d.%m.%Y}.",
            f"You can join from {local_opens:%H:%M} on {local_opens:%Y-%m-%d}.",
            extra={"opens_at": local_opens.isoformat()},
        )
    closes = ends_at if link else ends_at + VIDEO_LOGGED_IN_GRACE
    if now > closes:
        raise VideoClosed(extra={"closed_at": closes.astimezone(LOCAL).isoformat()})


def call_duration_seconds(started_at: datetime, ended_at: datetime) -> int:
    return max(0, round((ended_at - started_at).total_seconds()))
