"""The appointment rules without I/O: slots from local rules (DST days too), the status
machine, citizens' deadlines and when reminders fall due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.appointments import domain
from services.appointments.domain import LOCAL
from tests.appointments.builders import T0, make_rules

NIGHTS = {"sun": [["00:00", "06:00"]]}


def local_times(instants) -> list[str]:
    return [i.astimezone(LOCAL).strftime("%H:%M%z") for i in instants]


def test_weekday_slots_follow_the_local_clock_across_the_spring_change():
    rules = make_rules()
    friday, monday = date(2026, 3, 27), date(2026, 3, 30)
    assert local_times(domain.slot_starts(rules, friday)) == [
        "08:00+0100",
        "09:15+0100",
        "10:30+0100",
        "11:45+0100",
        "13:00+0100",
        "14:15+0100",
    ]
    assert local_times(domain.slot_starts(rules, monday))[0] == "08:00+0200"
    assert domain.slot_starts(rules, friday)[0] == datetime(2026, 3, 27, 7, tzinfo=UTC)
    assert domain.slot_starts(rules, monday)[0] == datetime(2026, 3, 30, 6, tzinfo=UTC)
    assert domain.slot_starts(rules, date(2026, 3, 28)) == []  # Saturday: closed


def test_the_spring_forward_night_has_one_hour_fewer_and_no_0200_slot():
    rules = make_rules(opening_hours=NIGHTS, buffer_minutes=0)
    starts = domain.slot_starts(rules, date(2026, 3, 29))  # last Sunday of March 2026
    assert local_times(starts) == [
        "00:00+0100",
        "01:00+0100",
        "03:00+0200",
        "04:00+0200",
        "05:00+0200",
    ]
    assert all(b - a == timedelta(hours=1) for a, b in zip(starts, starts[1:], strict=False))


def test_the_fall_back_night_has_two_0200_slots_an_hour_apart():
    rules = make_rules(opening_hours=NIGHTS, buffer_minutes=0)
    starts = domain.slot_starts(rules, date(2026, 10, 25))  # last Sunday of October 2026
    assert local_times(starts) == [
        "00:00+0200",
        "01:00+0200",
        "02:00+0200",
        "02:00+0100",
        "03:00+0100",
        "04:00+0100",
        "05:00+0100",
    ]
    assert starts[3] - starts[2] == timedelta(hours=1)


def test_free_slots_leave_out_busy_staff_the_buffer_and_the_first_24_hours():
    rules = make_rules(staff_ids=("a", "b"))
    tuesday_0800 = datetime(2026, 3, 24, 7, tzinfo=UTC)
    wednesday_0800 = tuesday_0800 + timedelta(days=1)
    minutes = [timedelta(minutes=m) for m in (0, 75, 150)]
    # a is busy Wednesday 08:00-09:15 (visit + buffer); b is busy 09:15-10:30.
    busy = {
        "a": [(wednesday_0800, wednesday_0800 + minutes[1])],
        "b": [(wednesday_0800 + minutes[1], wednesday_0800 + minutes[2])],
    }
    slots = domain.free_slots(rules, date(2026, 3, 23), date(2026, 3, 25), busy, T0)
    assert all(s.starts_at >= T0 + timedelta(hours=24) for s in slots)
    by_start = {s.starts_at: s.free_staff for s in slots}
    assert tuesday_0800 not in by_start  # 22 hours from now: too soon for citizens
    assert [by_start[wednesday_0800 + m] for m in minutes] == [("b",), ("a",), ("a", "b")]
    assert len(slots) == 4 + 6  # Tuesday from 10:30, all of Wednesday


def test_a_visit_that_would_eat_into_the_next_ones_buffer_is_not_free():
    start = datetime(2026, 3, 30, 8, tzinfo=UTC)
    busy = {"a": [(start, start + timedelta(minutes=75))]}
    assert not domain.is_free(
        busy, "a", start - timedelta(minutes=30), start + timedelta(minutes=15)
    )
    assert domain.is_free(busy, "a", start - timedelta(minutes=75), start)  # back to back
    assert domain.is_free(busy, "a", start + timedelta(minutes=75), start + timedelta(hours=2))


def test_citizens_book_only_real_slots_inside_the_window():
    rules = make_rules(horizon_days=7)
    monday_next = datetime(2026, 3, 30, 6, tzinfo=UTC)  # 08:00 CEST
    assert domain.citizen_slot(rules, monday_next, {}, T0).free_staff == ("nurse-1",)
    with pytest.raises(domain.NotASlot):
        domain.citizen_slot(rules, monday_next + timedelta(minutes=10), {}, T0)
    with pytest.raises(domain.OutsideBookingWindow):
        domain.citizen_slot(rules, T0 + timedelta(hours=23), {}, T0)
    with pytest.raises(domain.OutsideBookingWindow):
        domain.citizen_slot(rules, monday_next + timedelta(days=7), {}, T0)
    with pytest.raises(domain.SlotTaken):
        domain.citizen_slot(
            rules, monday_next, {"nurse-1": [(monday_next, monday_next + timedelta(hours=1))]}, T0
        )
    with pytest.raises(domain.NotSelfBookable):
        domain.citizen_slot(make_rules(self_bookable=False), monday_next, {}, T0)


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        (start, to, to in domain.TRANSITIONS[start])
        for start in domain.STATUSES
        for to in domain.STATUSES
    ],
)
def test_every_status_transition(start, to, allowed):
    if allowed:
        assert domain.transition(start, to) == to
    else:
        with pytest.raises(domain.InvalidTransition):
            domain.transition(start, to)


def test_citizens_change_no_later_than_the_cutoff():
    start = T0 + timedelta(hours=24)
    domain.check_citizen_may_change(start, 24, T0)
    with pytest.raises(domain.ChangeDeadlinePassed):
        domain.check_citizen_may_change(start, 24, T0 + timedelta(seconds=1))


def test_a_reminder_is_due_its_lead_before_or_at_once_and_never_after_the_start():
    start = T0 + timedelta(days=3)
    assert domain.reminder_due_at(start, timedelta(hours=24), T0) == start - timedelta(hours=24)
    assert domain.reminder_due_at(T0 + timedelta(hours=2), timedelta(hours=24), T0) == T0
    assert domain.reminder_due_at(T0, timedelta(hours=24), T0) is None


def test_home_visits_need_an_address_and_every_visit_staff():
    with pytest.raises(domain.InvalidAppointment) as missing:
        domain.check_details(domain.HOME_VISIT, " ", ["a"])
    assert missing.value.code == "appointment.address_required"
    with pytest.raises(domain.InvalidAppointment) as nobody:
        domain.check_details(domain.VIDEO_VISIT, None, [])
    assert nobody.value.code == "appointment.staff_required"


def test_the_video_link_comes_from_the_providers_template():
    assert domain.video_url("https://v.example/room/{room}", "abc") == "https://v.example/room/abc"
    assert domain.video_url("https://v.example/room/{room}", None) is None


def test_rules_that_close_before_they_open_are_refused():
    with pytest.raises(domain.InvalidRules):
        domain.validate_rules(make_rules(opening_hours={"mon": [["15:00", "08:00"]]}))
