"""Moving, cancelling, and recording that a visit took place or the citizen was not there."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import Connection

from kit.auth import Principal
from kit.idempotency import Idempotency, Outcome
from kit.outbox import record_event
from schemas.events.appointments import APPOINTMENT_COMPLETED, APPOINTMENT_NO_SHOW
from services.appointments import announcements, domain, store, views
from services.appointments.domain import CANCELLED, COMPLETED, NO_SHOW, RESCHEDULED
from services.appointments.usecases.base import BOOK, AppointmentsBase


class Changes(AppointmentsBase):
    """Changes to an appointment."""

    def move(
        self,
        principal: Principal,
        appointment_id: str,
        body: dict[str, Any],
        idem: Idempotency | None,
    ) -> Outcome:
        def work(conn: Connection) -> Outcome:
            before, acting = self._load(conn, principal, appointment_id, BOOK, for_update=True)
            now = self.clock()
            status = domain.transition(before["status"], RESCHEDULED)
            start = body["starts_at"].astimezone(UTC)
            if acting.by_citizen:
                domain.check_citizen_may_change(before["starts_at"], before["cutoff_hours"], now)
                rules = self._rules(conn, before["service_id"])
                busy = store.busy(
                    conn,
                    rules.staff_ids,
                    start,
                    start + rules.duration + rules.buffer,
                    ignore=appointment_id,
                )
                slot = domain.citizen_slot(rules, start, busy, now)
                keep = [s for s in before["staff_ids"] if s in slot.free_staff]
                row = {
                    **before,
                    "starts_at": start,
                    "ends_at": slot.ends_at,
                    "staff_ids": keep or [slot.free_staff[0]],
                }
            else:
                ends = body.get("ends_at")
                row = {
                    **before,
                    "starts_at": start,
                    "ends_at": ends.astimezone(UTC)
                    if ends
                    else start + (before["ends_at"] - before["starts_at"]),
                    "staff_ids": list(body.get("staff_ids") or before["staff_ids"]),
                }
                domain.check_period(row["starts_at"], row["ends_at"])
                domain.check_details(row["kind"], row["address"], row["staff_ids"])
                self._check_free(conn, row)
            row.update(status=status, updated_at=now)
            store.update_appointment(
                conn,
                appointment_id,
                status=status,
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                staff_ids=row["staff_ids"],
                updated_at=now,
            )
            self._hold(conn, row)
            self._history(conn, row, acting, now, body.get("reason"))
            record_event(
                conn,
                announcements.TOPIC,
                announcements.moved(row, before, acting.actor, self.template),
            )
            self._plan_reminder(conn, row, now)
            return Outcome(200, views.appointment(row, self.template))

        return self._write(principal, idem, work)

    def cancel(self, principal: Principal, appointment_id: str, reason: str | None) -> dict:
        with self.engine.begin() as conn:
            row, acting = self._load(conn, principal, appointment_id, BOOK, for_update=True)
            now = self.clock()
            status = domain.transition(row["status"], CANCELLED)
            if acting.by_citizen:
                domain.check_citizen_may_change(row["starts_at"], row["cutoff_hours"], now)
            row.update(status=status, updated_at=now)
            store.update_appointment(conn, appointment_id, status=status, updated_at=now)
            store.release_staff(conn, appointment_id)
            store.cancel_reminders(conn, appointment_id)
            self._history(conn, row, acting, now, reason)
            record_event(
                conn,
                announcements.TOPIC,
                announcements.cancelled(row, acting.actor, self.template, reason),
            )
            return views.appointment(row, self.template)

    def record_outcome(
        self, principal: Principal, appointment_id: str, completed: bool, note: str | None = None
    ) -> dict:
        """Staff record that the visit took place, or that the citizen was not there, with a
        short note (kept in the visit's history)."""
        with self.engine.begin() as conn:
            row, acting = self._load(conn, principal, appointment_id, BOOK, for_update=True)
            now = self.clock()
            status = domain.transition(row["status"], COMPLETED if completed else NO_SHOW)
            domain.check_outcome_time(row["starts_at"], now)
            row.update(status=status, updated_at=now)
            store.update_appointment(conn, appointment_id, status=status, updated_at=now)
            store.cancel_reminders(conn, appointment_id)
            self._history(conn, row, acting, now, reason=note)
            record_event(
                conn,
                announcements.TOPIC,
                announcements.outcome(
                    APPOINTMENT_COMPLETED if completed else APPOINTMENT_NO_SHOW,
                    row,
                    acting.actor,
                    self.template,
                ),
            )
            return views.appointment(row, self.template)
