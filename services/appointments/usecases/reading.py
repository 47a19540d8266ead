"""Reading appointments: a citizen's (or their principal's), one appointment, the day route."""

from __future__ import annotations

from datetime import date, timedelta

from kit import break_glass
from kit.auth import Forbidden, Principal
from kit.data_subjects import touched
from kit.db import read_only
from services.appointments import access, domain, store, views
from services.appointments.usecases.base import READ, AppointmentsBase


class Reading(AppointmentsBase):
    """What a caller may read."""

    def appointments_of(self, principal: Principal, citizen_id: str | None) -> list[dict]:
        with read_only(self.engine) as conn:
            acting = self._acting(conn, principal, citizen_id, READ)
            rows = store.appointments_of(conn, acting.citizen_id)
            if acting.access is None:  # the citizen, or their proxy
                return [views.appointment(r, self.template) for r in rows]
            planned = {r.service_id for r in store.planned_by(conn, principal.subject)}
            shown = []
            for row in rows:
                level = access.read_level(principal, acting.access, row, planned)
                if level is not None:
                    shown.append(access.shown(views.appointment(row, self.template), level))
            return shown

    def appointment(self, principal: Principal, appointment_id: str) -> dict:
        with read_only(self.engine) as conn:
            row, acting = self._load(conn, principal, appointment_id, READ)
            body = views.appointment(row, self.template, store.history(conn, appointment_id))
            if acting.access is None:
                return body
            level = access.read_level(principal, acting.access, row, {row["service_id"]})
            return access.shown(body, level or access.FULL)

    def break_glass(self, principal: Principal, citizen_id: str, reason: str | None) -> dict:
        """Open a citizen's appointments outside one's relations (kit.break_glass): read only,
        for a short while, audited with the reason the citizen and the auditor see."""
        grant = break_glass.open_citizen(
            self.engine, store.break_glass_grants, principal, citizen_id, reason, self.clock()
        )
        return {"citizen_id": citizen_id, "expires_at": views.local(grant["expires_at"])}

    def route(self, principal: Principal, staff_id: str | None, day: date | None) -> dict:
        """A staff member's visits of one local day in time order: the tablet's kørebog."""
        staff_id = staff_id or principal.subject
        day = day or domain.local_date(self.clock())
        with read_only(self.engine) as conn:
            if not access.may_see_route(conn, principal, staff_id):
                raise Forbidden(
                    detail_en="only the planners of a staff member's services see their route",
                    code="appointment.not_your_route",
                )
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
