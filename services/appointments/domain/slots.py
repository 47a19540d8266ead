"""Booking rules and the slots they give: local wall-clock windows turned into instants per
date (a daylight-saving day has the slots its clock says)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from schemas.events.appointments import KINDS
from services.appointments.domain.errors import (
    InvalidRules,
    NotASlot,
    NotSelfBookable,
    OutsideBookingWindow,
    SlotTaken,
)
from services.appointments.domain.statuses import LOCAL, WEEKDAYS


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
    # Who plans the service's visits (role scheduler): the unit that serves its citizens.
    scheduler_ids: tuple[str, ...] = ()

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
            # "24:00" (the next midnight) closes after any opening; it is no time of day.
            if closes != "24:00" and _clock(opens) >= _clock(closes):
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
