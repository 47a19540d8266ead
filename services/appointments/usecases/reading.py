"""Reading appointments: a citizen's (or their principal's), one appointment, the day route."""

from __future__ import annotations

from datetime import date, timedelta

from kit.auth import Forbidden, Principal
from kit.data_subjects import touched
from kit.db import read_only
from services.appointments import domain, store, views
from services.appointments.usecases.base import READ, SCHEDULER, AppointmentsBase


class Reading(AppointmentsBase):
    """What a caller may read."""

    def appointments_of(self, principal: Principal, citizen_id: str | None) -> list[dict]:
        with read_only(self.engine) as conn:
            acting = self._acting(conn, principal, citizen_id, READ)
            return [
                views.appointment(r, self.template)
                for r in store.appointments_of(conn, acting.citizen_id)
            ]

    def appointment(self, principal: Principal, appointment_id: str) -> dict:
        with read_only(self.engine) as conn:
            row, _ = self._load(conn, principal, appointment_id, READ)
            return views.appointment(row, self.template, store.history(conn, appointment_id))

    def route(self, principal: Principal, staff_id: str | None, day: date | None) -> dict:
        """A staff member's visits of one local day in time order: the tablet's kørebog."""
        staff_id = staff_id or principal.subject
        if staff_id != principal.subject and SCHEDULER not in principal.roles:
            raise Forbidden(
                detail_en="only schedulers see other staff members' routes",
                code="appointment.not_your_route",
            )
        day = day or domain.local_date(self.clock())
        with read_only(self.engine) as conn:
            rows = store.route(
                conn,
                staff_id,
                domain.local_instant(day, "00:00"),
                domain.local_instant(day + timedelta(days=1), "00:00"),
            )
        touched(*[r["citizen_id"] for r in rows])
        return {
            "staff_id": staff_id,
            "date": day.isoformat(),
            "visits": [views.route_stop(r, self.template) for r in rows],
        }
