"""Use cases of the appointments service: load, decide (domain), save, plan reminders and
record events, in one transaction each."""

from __future__ import annotations

import os
import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

import schemas.events.appointments  # noqa: F401 - registers the event types
from kit import clock, proxies
from kit.auth import CITIZEN, Forbidden, Principal
from kit.data_subjects import touched
from kit.db import read_only
from kit.errors import Problem
from kit.events import Actor
from kit.idempotency import Idempotency, Outcome, run_once
from kit.outbox import record_event
from schemas.events.appointments import APPOINTMENT_COMPLETED, APPOINTMENT_NO_SHOW
from services.appointments import announcements, domain, store, views
from services.appointments.domain import (
    CANCELLED,
    COMPLETED,
    NO_SHOW,
    RESCHEDULED,
    VIDEO_VISIT,
    AppointmentNotFound,
    BookingRules,
    ServiceNotFound,
    SlotTaken,
)

Clock = Callable[[], datetime]
READ, BOOK = "appointments.read", "appointments.book"  # proxy scopes this service honours
SCHEDULER = "scheduler"
STAFF_ROLES = ("homecare", "caseworker", SCHEDULER)
MAX_SLOT_DAYS = 31
# A constraint violation means a rival booking of the same staff member committed first, so
# each retry finds one staff member fewer free; more staff per slot than this is unusual.
BOOKING_ATTEMPTS = 12


def utcnow() -> datetime:
    return clock.now()


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Config:
    # The video visit's join link (the gateway's call page, docs/video.md); "{room}" becomes
    # the appointment's room token.
    video_url_template: str = "http://127.0.0.1:8000/video/j/{room}"
    reminder_lead: timedelta = timedelta(hours=24)

    @classmethod
    def from_env(cls) -> Config:
        default = cls()
        minutes = os.environ.get("SB_APPOINTMENT_REMINDER_MINUTES")
        return cls(
            video_url_template=os.environ.get("SB_VIDEO_URL_TEMPLATE", default.video_url_template),
            reminder_lead=timedelta(minutes=int(minutes)) if minutes else default.reminder_lead,
        )


class NoAuthority(Problem):
    status = 403
    code = "proxy.no_authority"
    title_da = "Du har ikke fuldmagt til dette"
    title_en = "You have no power of attorney for this"


class CitizenRequired(Problem):
    status = 422
    code = "appointment.citizen_required"
    title_da = "Angiv hvilken borger det gælder"
    title_en = "Name the citizen this is about"


@dataclass(frozen=True)
class Acting:
    """Who the caller acts for, and how events and history name them."""

    citizen_id: str
    actor: Actor
    principal: Principal

    @property
    def by_citizen(self) -> bool:
        return self.principal.kind == CITIZEN


class Appointments:
    """Every use case of the appointments service."""

    def __init__(self, engine: Engine, clock: Clock = utcnow, config: Config | None = None):
        self.engine = engine
        self.clock = clock
        self.config = config or Config()

    @property
    def template(self) -> str:
        return self.config.video_url_template

    # Who acts for whom -----------------------------------------------------------------------

    def _acting(
        self, conn: Connection, principal: Principal, citizen_id: str | None, scope: str
    ) -> Acting:
        """Citizens act for themselves or, by proxy, for another; staff for any citizen."""
        if principal.kind == CITIZEN and citizen_id in (None, principal.subject):
            touched(principal.subject)
            return Acting(
                principal.subject, Actor(principal.subject, CITIZEN, principal.channel), principal
            )
        if citizen_id is None:
            raise CitizenRequired(field="citizen_id")
        touched(citizen_id)  # audited even when refused: someone tried to act for them
        if principal.kind == CITIZEN and scope not in proxies.scopes_of(
            conn, principal.subject, citizen_id, self.clock()
        ):
            raise NoAuthority(extra={"required_scope": scope})
        return Acting(
            citizen_id,
            Actor(principal.subject, principal.kind, principal.channel, on_behalf_of=citizen_id),
            principal,
        )

    def _load(
        self,
        conn: Connection,
        principal: Principal,
        appointment_id: str,
        scope: str,
        *,
        for_update: bool = False,
    ) -> tuple[dict[str, Any], Acting]:
        """The appointment and who acts on it; a citizen without access is told it does not
        exist, so ids cannot be probed."""
        row = store.find_appointment(conn, appointment_id, for_update=for_update)
        if row is None:
            raise AppointmentNotFound()
        try:
            acting = self._acting(conn, principal, row["citizen_id"], scope)
        except NoAuthority:
            if proxies.scopes_of(conn, principal.subject, row["citizen_id"], self.clock()):
                raise  # a proxy without this scope may know the appointment exists
            raise AppointmentNotFound()
        return row, acting

    # Booking rules ---------------------------------------------------------------------------

    def define_rules(self, principal: Principal, rules: BookingRules) -> dict[str, Any]:
        domain.validate_rules(rules)
        with self.engine.begin() as conn:
            store.save_rules(conn, rules, principal.subject, self.clock())
        return views.rules(rules)

    def list_rules(self) -> list[dict[str, Any]]:
        with read_only(self.engine) as conn:
            return [views.rules(r) for r in store.all_rules(conn)]

    def _rules(self, conn: Connection, service_id: str | None) -> BookingRules:
        rules = store.find_rules(conn, service_id) if service_id else None
        if rules is None:
            raise ServiceNotFound(field="service_id")
        return rules

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
            acting = self._acting(conn, principal, body.get("citizen_id"), BOOK)
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

    @staticmethod
    def _from_rules(
        rules: BookingRules,
        start: datetime,
        ends: datetime,
        staff_ids: list[str],
        body: dict[str, Any],
    ) -> dict[str, Any]:
        return {
            "kind": rules.kind,
            "service_id": rules.service_id,
            "buffer_minutes": rules.buffer_minutes,
            "staff_ids": staff_ids,
            "address": body.get("address"),
            "location": body.get("location") or rules.location,
            "tasks": list(body.get("tasks") or rules.tasks),
            "cutoff_hours": rules.citizen_cutoff_hours,
            "starts_at": start,
            "ends_at": ends,
        }

    @staticmethod
    def _blocked_until(row: dict[str, Any]) -> datetime:
        return row["ends_at"] + timedelta(minutes=row["buffer_minutes"])

    def _check_free(self, conn: Connection, row: dict[str, Any]) -> None:
        """The friendly answer before the database's constraint gives the final one."""
        until = self._blocked_until(row)
        busy = store.busy(conn, row["staff_ids"], row["starts_at"], until, ignore=row.get("id"))
        taken = [
            s for s in row["staff_ids"] if not domain.is_free(busy, s, row["starts_at"], until)
        ]
        if taken:
            raise SlotTaken(
                "Medarbejderen er optaget på det tidspunkt.",
                "The staff member is busy at that time.",
                field="starts_at",
                extra={"busy_staff_ids": taken},
            )

    def _hold(self, conn: Connection, row: dict[str, Any]) -> None:
        store.hold_staff(
            conn, row["id"], row["staff_ids"], row["starts_at"], self._blocked_until(row)
        )

    def _history(
        self,
        conn: Connection,
        row: dict[str, Any],
        acting: Acting,
        now: datetime,
        reason: str | None = None,
    ) -> None:
        store.add_history(
            conn,
            appointment_id=row["id"],
            status=row["status"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            staff_ids=row["staff_ids"],
            at=now,
            by=acting.principal.subject,
            by_kind=acting.principal.kind,
            on_behalf_of=acting.actor.on_behalf_of,
            reason=reason,
        )

    def _plan_reminder(self, conn: Connection, row: dict[str, Any], now: datetime) -> None:
        store.cancel_reminders(conn, row["id"])
        lead = self.config.reminder_lead
        rules = store.find_rules(conn, row["service_id"]) if row["service_id"] else None
        if rules is not None and rules.reminder_minutes_before is not None:
            lead = timedelta(minutes=rules.reminder_minutes_before)
        due = domain.reminder_due_at(row["starts_at"], lead, now)
        if due is not None:
            store.plan_reminder(conn, new_id(), row["id"], row["starts_at"], due)

    def _write(
        self, principal: Principal, idem: Idempotency | None, work: Callable[[Connection], Outcome]
    ) -> Outcome:
        """One transaction with its idempotency key. A double booking that slipped past the
        check (a concurrent winner) is refused by the database and retried: the retry sees the
        winner, so it picks another free staff member or answers appointment.slot_taken."""

        def recheck(conn: Connection, replay: Outcome) -> None:
            # A replay answers only someone who may still see the appointment.
            self._load(conn, principal, replay.body["id"], READ)

        for _attempt in range(BOOKING_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    return run_once(conn, idem, work, recheck=recheck)
            except IntegrityError as exc:
                if not store.is_double_booking(exc):
                    raise
        raise SlotTaken()

    # Changes ---------------------------------------------------------------------------------

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

    # Reading ---------------------------------------------------------------------------------

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
