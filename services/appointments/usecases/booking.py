"""Booking rules, free slots and booking: citizens within the rules, staff anything free."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from kit.auth import STAFF, Principal
from kit.db import read_only
from kit.idempotency import Idempotency, Outcome
from kit.outbox import record_event
from services.appointments import announcements, domain, store, views
from services.appointments.domain import VIDEO_VISIT, BookingRules, ServiceNotFound, SlotTaken
from services.appointments.usecases.base import (
    BOOK,
    MAX_SLOT_DAYS,
    Acting,
    AppointmentsBase,
    new_id,
)


class Booking(AppointmentsBase):
    """Rules, slots and new appointments."""

    def define_rules(self, principal: Principal, rules: BookingRules) -> dict[str, Any]:
        """Schedulers define services; a service with planners is changed only by them (or
        the municipality's own system, a machine with the scope)."""
        domain.validate_rules(rules)
        with self.engine.begin() as conn:
            existing = store.find_rules(conn, rules.service_id)
            if (
                principal.kind == STAFF
                and existing is not None
                and existing.scheduler_ids
                and principal.subject not in existing.scheduler_ids
            ):
                raise ServiceNotFound()
            store.save_rules(conn, rules, principal.subject, self.clock())
        return views.rules(rules)

    def list_rules(self) -> list[dict[str, Any]]:
        with read_only(self.engine) as conn:
            return [views.rules(r) for r in store.all_rules(conn)]

    def free_slots(
        self, service_id: str, first: date | None, last: date | None
    ) -> list[dict[str, Any]]:
        now = self.clock()
        first = first or domain.local_date(now)
        last = min(last or first + timedelta(days=6), first + timedelta(days=MAX_SLOT_DAYS))
        with read_only(self.engine) as conn:
            rules = self._rules(conn, service_id)
            busy = store.busy(
                conn,
                rules.staff_ids,
                domain.local_instant(first, "00:00"),
                domain.local_instant(last + timedelta(days=1), "00:00")
                + rules.duration
                + rules.buffer,
            )
        return [views.slot(s) for s in domain.free_slots(rules, first, last, busy, now)]

    # Booking ---------------------------------------------------------------------------------

    def book(self, principal: Principal, body: dict[str, Any], idem: Idempotency | None) -> Outcome:
        def work(conn: Connection) -> Outcome:
            acting = self._acting(
                conn, principal, body.get("citizen_id"), BOOK, service_id=body.get("service_id")
            )
            now = self.clock()
            if acting.by_citizen:
                row = self._citizen_booking(conn, acting, body, now)
            else:
                row = self._staff_booking(conn, body, now)
            row.update(
                id=new_id(),
                citizen_id=acting.citizen_id,
                status=domain.BOOKED,
                note=body.get("note"),
                citizen_name=None if acting.by_citizen else body.get("citizen_name"),
                created_at=now,
                created_by=principal.subject,
                updated_at=now,
                video_room=secrets.token_urlsafe(12) if row["kind"] == VIDEO_VISIT else None,
            )
            domain.check_details(row["kind"], row["address"], row["staff_ids"])
            store.add_appointment(conn, row)
            self._hold(conn, row)
            self._history(conn, row, acting, now)
            record_event(
                conn, announcements.TOPIC, announcements.booked(row, acting.actor, self.template)
            )
            self._plan_reminder(conn, row, now)
            return Outcome(201, views.appointment(row, self.template))

        return self._write(principal, idem, work)

    def _citizen_booking(
        self, conn: Connection, acting: Acting, body: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        rules = self._rules(conn, body.get("service_id"))
        start = body["starts_at"].astimezone(UTC)
        busy = store.busy(conn, rules.staff_ids, start, start + rules.duration + rules.buffer)
        slot = domain.citizen_slot(rules, start, busy, now)
        # Any free staff member; a random one, so that a rush on one slot collides less.
        return self._from_rules(
            rules, slot.starts_at, slot.ends_at, [random.choice(slot.free_staff)], body
        )

    def _staff_booking(
        self, conn: Connection, body: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """Staff may book anything: any time, any staff member; only double booking stops it."""
        rules = self._rules(conn, body["service_id"]) if body.get("service_id") else None
        start = body["starts_at"].astimezone(UTC)
        if rules is None:
            ends = body.get("ends_at")
            if ends is None or not body.get("kind"):
                raise domain.InvalidAppointment(
                    detail_en="without a service_id, name kind and ends_at",
                    field="ends_at" if body.get("kind") else "kind",
                )
            row = {
                "kind": body["kind"],
                "service_id": None,
                "buffer_minutes": body.get("buffer_minutes") or 0,
                "staff_ids": list(body.get("staff_ids") or []),
                "address": body.get("address"),
                "location": body.get("location"),
                "tasks": list(body.get("tasks") or []),
                "cutoff_hours": 24,
                "starts_at": start,
                "ends_at": ends.astimezone(UTC),
            }
        else:
            ends = (body.get("ends_at") or start + rules.duration).astimezone(UTC)
            staff_ids = list(body.get("staff_ids") or [])
            if not staff_ids:
                busy = store.busy(conn, rules.staff_ids, start, ends + rules.buffer)
                free = [
                    s
                    for s in rules.staff_ids
                    if domain.is_free(busy, s, start, ends + rules.buffer)
                ]
                if not free:
                    raise SlotTaken(field="starts_at")
                staff_ids = free[:1]
            row = self._from_rules(rules, start, ends, staff_ids, body)
            if body.get("kind"):
                row["kind"] = body["kind"]
        domain.check_period(row["starts_at"], row["ends_at"])
        self._check_free(conn, row)
        return row
