"""What the staff tablet needs from appointments: who the citizen is on the day route, and
closing a visit with a short note (completed, or the citizen was not at home)."""

from __future__ import annotations

from datetime import timedelta

from tests.appointments.builders import person

VISIT = {
    "starts_at": "2026-03-23T11:00:00+01:00",
    "ends_at": "2026-03-23T11:45:00+01:00",
    "kind": "home_visit",
    "address": "Vestergade 3, 5000 Odense C",
    "tasks": ["Vurdering af hjemmehjælp"],
}


def test_the_route_names_the_citizen_staff_booked_the_visit_for(service):
    staff = service.staff("homecare", staff_id="hjemmehjaelp-erik")
    citizen_id = person()
    booked = service.book_for(
        "hjemmehjaelp-erik",
        {
            **VISIT,
            "citizen_id": citizen_id,
            "staff_ids": ["hjemmehjaelp-erik"],
            "citizen_name": "Anna Andersen",
        },
    )
    assert booked.status_code == 201, booked.json
    assert booked.json["citizen_name"] == "Anna Andersen"
    (stop,) = staff.get("/route?date=2026-03-23").json["visits"]
    assert (stop["citizen_id"], stop["citizen_name"]) == (citizen_id, "Anna Andersen")


def test_closing_a_visit_keeps_the_staff_members_short_note(service):
    staff = service.staff("homecare", staff_id="hjemmehjaelp-erik")
    body = {**VISIT, "citizen_id": person(), "staff_ids": ["hjemmehjaelp-erik"]}
    done = service.book_for("hjemmehjaelp-erik", body).json
    away = service.book_for(
        "hjemmehjaelp-erik",
        {**body, "starts_at": "2026-03-23T13:00:00+01:00", "ends_at": "2026-03-23T13:30:00+01:00"},
    ).json
    service.clock.now = service.clock.now + timedelta(hours=5)
    completed = staff.post(
        f"/appointments/{done['id']}/completion", {"note": "Ansøgning om rollator sendt."}
    )
    assert completed.json["status"] == "completed"
    no_show = staff.post(f"/appointments/{away['id']}/no-show", {"note": "Ingen lukkede op."})
    assert no_show.json["status"] == "no_show"
    history = staff.get(f"/appointments/{done['id']}").json["history"]
    assert [(h["status"], h["reason"]) for h in history][-1] == (
        "completed",
        "Ansøgning om rollator sendt.",
    )
    too_long = staff.post(f"/appointments/{away['id']}/completion", {"note": "x" * 1001})
    assert too_long.status_code == 422
