"""Seed: today's route for the home-care staff, so the tablet (/tablet/) has visits at once.

Erik and Jonna (home care) each get three home visits today at test citizens, with names,
addresses and tasks, booked through the appointments API by their planner (Karen) under the
home-care service she plans (infra/seed/bookable.py): staff reach a citizen only by relation. Erik also
gets a visit at Anna's that is going on at the time of the start (unless one already is), so
the whole co-service can be tried at any hour: a visit can be closed only once it has begun. Idempotent: a visit already on the route at that time is
left alone, and each booking's Idempotency-Key is made from the date, the staff member and the
time, so a second start books nothing twice; a time the staff member is already busy is skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from infra.seed import LOCAL, SeedEnv, expect
from infra.seed.bookable import HOME_CARE, SCHEDULER

ORDER = 30  # after the bookable services; before seeds that use the visits

ANNA = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0001"
DAGMAR = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0004"
EGON = "6f1c2c54-3b1e-4c55-9a51-0d6f4e1a0005"

# staff -> [(local time, minutes, citizen, name, address, tasks)]
ROUTES: dict[str, list[tuple[str, int, str, str, str, list[str]]]] = {
    "hjemmehjaelp-erik": [
        (
            "07:30",
            45,
            ANNA,
            "Anna Andersen",
            "Vestergade 3, 5000 Odense C",
            ["Vurdering af hjemmehjælp", "Ansøgning om rollator", "Samtykke til lægeoplysninger"],
        ),
        (
            "10:00",
            30,
            DAGMAR,
            "Dagmar Dalgaard",
            "Bredgade 12, 2. th., 5000 Odense C",
            ["Bad og påklædning", "Medicin"],
        ),
        (
            "14:30",
            45,
            EGON,
            "Egon Enevoldsen",
            "Skovvej 41, 5200 Odense V",
            ["Ansøgning om boligindretning (badeværelse)"],
        ),
    ],
    "hjemmehjaelp-jonna": [
        ("08:00", 30, EGON, "Egon Enevoldsen", "Skovvej 41, 5200 Odense V", ["Morgenhjælp"]),
        ("11:00", 45, ANNA, "Anna Andersen", "Vestergade 3, 5000 Odense C", ["Rengøring"]),
        (
            "14:00",
            30,
            DAGMAR,
            "Dagmar Dalgaard",
            "Bredgade 12, 2. th., 5000 Odense C",
            ["Medicin"],
        ),
    ],
}


def _at(day: date, clock: str) -> datetime:
    """A local time of the day ("07:30"), or an ISO time with its offset as it stands."""
    if len(clock) > len("HH:MM"):
        return datetime.fromisoformat(clock)
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


Visit = tuple[str, int, str, str, str, list[str]]


def _now_visit(
    env: SeedEnv, route: dict, planned: list[Visit], now: datetime | None = None
) -> list[Visit]:
    """A visit going on now (from the last quarter hour before now), if none is; fitted between
    everything on the day's route (the planned visits and whatever else is booked), so it never
    takes another visit's time (nor loses its own to a 409). Reckoned in UTC, so that a
    daylight-saving night's missing or doubled hour does not move it off "now"."""
    now = (now or datetime.now(LOCAL)).astimezone(LOCAL)
    if now.date() != env.today:
        return []
    utc = [(_at(env.today, v[0]).astimezone(UTC), v[1]) for v in planned]
    busy = [(begin, begin + timedelta(minutes=minutes)) for begin, minutes in utc] + [
        (
            datetime.fromisoformat(v["starts_at"]).astimezone(UTC),
            datetime.fromisoformat(v["ends_at"]).astimezone(UTC),
        )
        for v in route["visits"]
    ]  # all in UTC: times of one zone compare by their wall clocks, fold or not
    now = now.astimezone(UTC)
    if any(begin <= now < end for begin, end in busy):
        return []
    quarter = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    midnight = _at(env.today, "00:00").astimezone(UTC)
    starts = max([quarter - timedelta(minutes=15), midnight])
    starts = max([starts] + [end for _, end in busy if end <= now])
    ends = min([starts + timedelta(hours=1)] + [begin for begin, _ in busy if begin > now])
    return [
        (
            starts.astimezone(LOCAL).isoformat(),  # with its offset: right on an autumn night
            int((ends - starts).total_seconds() // 60),
            ANNA,
            "Anna Andersen",
            "Vestergade 3, 5000 Odense C",
            ["Ansøgning om hjælpemiddel sammen med Anna", "Samtykke"],
        )
    ]


def seed(env: SeedEnv) -> None:
    planner = env.session(SCHEDULER)
    for staff_id, visits in ROUTES.items():
        route = expect(
            planner.get(
                env.url("/api/appointments/route"),
                params={"staff_id": staff_id, "date": env.today.isoformat()},
            )
        ).json()
        booked = {(v["citizen_id"], v["starts_at"][:16]) for v in route["visits"]}
        if staff_id == "hjemmehjaelp-erik":
            visits = visits + _now_visit(env, route, visits)
        for clock, minutes, citizen_id, name, address, tasks in visits:
            starts = _at(env.today, clock)
            if (citizen_id, starts.isoformat()[:16]) in booked:
                continue
            answer = planner.post(
                env.url("/api/appointments/appointments"),
                json={
                    "service_id": HOME_CARE,
                    "citizen_id": citizen_id,
                    "citizen_name": name,
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(minutes=minutes)).isoformat(),
                    "kind": "home_visit",
                    "address": address,
                    "staff_ids": [staff_id],
                    "tasks": tasks,
                },
                headers={"Idempotency-Key": f"seed-route-{env.today}-{staff_id}-{clock}"},
            )
            if answer.status_code == 409 and answer.json().get("code") == "appointment.slot_taken":
                continue  # the staff member's day already has something then: leave it
            expect(answer, 200, 201)
