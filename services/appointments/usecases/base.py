"""What the appointments service's use cases share: who acts for whom, booking rules,
holding staff, history, reminders and the write with its idempotency key."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

import schemas.events.appointments  # noqa: F401 - registers the event types
from kit import clock, policy, proxies
from kit.auth import CITIZEN, STAFF, Principal
from kit.data_subjects import touched
from kit.errors import Problem
from kit.events import Actor
from kit.idempotency import Idempotency, Outcome, run_once
from kit.relations import VisitWindow
from services.appointments import access, domain, store
from services.appointments.domain import (
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


class CitizenNotFound(Problem):
    status = 404
    code = "appointment.citizen_not_found"
    title_da = "Borgeren findes ikke"
    title_en = "No such citizen"


class ReadOnly(Problem):
    status = 403
    code = "appointment.read_only"
    title_da = "Du kan se aftalen, men ikke ændre den"
    title_en = "You may see this appointment but not change it"


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
    access: policy.Access | None = None  # staff: on what relation (kit.policy)

    @property
    def by_citizen(self) -> bool:
        return self.principal.kind == CITIZEN


class AppointmentsBase:
    """The engine, the clock and the configuration, and what every use case needs."""

    def __init__(self, engine: Engine, clock: Clock = utcnow, config: Config | None = None):
        self.engine = engine
        self.clock = clock
        self.config = config or Config()
        self.visit_window = VisitWindow.from_env()

    @property
    def template(self) -> str:
        return self.config.video_url_template

    # Who acts for whom -----------------------------------------------------------------------

    def _acting(
        self,
        conn: Connection,
        principal: Principal,
        citizen_id: str | None,
        scope: str,
        *,
        appointment: dict[str, Any] | None = None,
        service_id: str | None = None,
    ) -> Acting:
        """Citizens act for themselves or, by proxy, for another; staff for a citizen they
        are related to (services.appointments.access), for this appointment or service."""
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
        granted = None
        if principal.kind == STAFF:
            granted = self._staff_access(
                conn, principal, citizen_id, scope, appointment, service_id
            )
        return Acting(
            citizen_id,
            Actor(principal.subject, principal.kind, principal.channel, on_behalf_of=citizen_id),
            principal,
            granted,
        )

    def _staff_access(
        self,
        conn: Connection,
        principal: Principal,
        citizen_id: str,
        scope: str,
        appointment: dict[str, Any] | None,
        service_id: str | None,
    ) -> policy.Access:
        """The staff member's access to the citizen (audited, refusals too), or 404; a
        relation that only reads answers 403 to a change."""
        found = access.relations_to(
            conn,
            principal,
            citizen_id,
            self.clock(),
            self.visit_window,
            appointment=appointment,
            service_id=service_id,
        )
        granted = policy.check(principal, citizen_id, found)
        if granted is None:
            raise AppointmentNotFound() if appointment is not None else CitizenNotFound()
        if scope == BOOK and not (
            granted.may_act
            if appointment is None
            else access.may_change(principal, granted, appointment)
        ):
            raise ReadOnly()
        return granted

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
            acting = self._acting(conn, principal, row["citizen_id"], scope, appointment=row)
        except NoAuthority:
            if proxies.scopes_of(conn, principal.subject, row["citizen_id"], self.clock()):
                raise  # a proxy without this scope may know the appointment exists
            raise AppointmentNotFound()
        return row, acting

    def _rules(self, conn: Connection, service_id: str | None) -> BookingRules:
        rules = store.find_rules(conn, service_id) if service_id else None
        if rules is None:
            raise ServiceNotFound(field="service_id")
        return rules

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
            except OperationalError as exc:
                # PostgreSQL may break a tie between two exclusion-constraint checks with a
                # deadlock (40P01): the loser is rolled back whole, so trying again is safe.
                if getattr(exc.orig, "sqlstate", None) not in ("40P01", "40001"):
                    raise
        raise SlotTaken()
