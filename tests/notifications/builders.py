"""Test data builders for the notifications service: the events it reacts to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kit.events import Actor, Event, validate_event
from schemas.events import applications as app_ev
from schemas.events import appointments as appointment_ev
from schemas.events import consents as consent_ev

# A Tuesday at 10:00 in Copenhagen (09:00 UTC in November): SMS may go.
T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
CASEWORKER = Actor("sagsbehandler-" + uuid.uuid4().hex[:6], "staff", "integration")
# Tuesday 24 November 2026, 10:30 in Copenhagen (winter time, UTC+1).
WINTER_VISIT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
# Tuesday 16 June 2026, 10:30 in Copenhagen (summer time, UTC+2).
SUMMER_VISIT = datetime(2026, 6, 16, 8, 30, tzinfo=UTC)
SCHEDULER = Actor("visitator-" + uuid.uuid4().hex[:6], "staff", "portal")


def person() -> str:
    return str(uuid.uuid4())


class Case:
    """One application's events, about one citizen."""

    def __init__(self, citizen_id: str | None = None) -> None:
        self.application_id = str(uuid.uuid4())
        self.citizen_id = citizen_id or person()
        self.case_number = f"2026-{uuid.uuid4().int % 10**6:06d}"

    def event(self, event_type: str, actor: Actor | None = None, **data) -> Event:
        return Event(
            type=event_type,
            source="/services/applications",
            subject=self.application_id,
            actor=actor or Actor(self.citizen_id, "citizen", "portal"),
            data={
                "application_id": self.application_id,
                "citizen_id": self.citizen_id,
                "type_id": "hjaelpemidler",
                **data,
            },
        )

    def submitted(self) -> Event:
        return self.event(
            app_ev.SUBMITTED,
            case_number=self.case_number,
            title="Hjælpemidler",
            submitted_at=T0.isoformat(),
            citizen_cpr="0101901234",
        )

    def status_changed(
        self, to_state: str, notify: bool = True, actor: Actor = CASEWORKER
    ) -> Event:
        return self.event(
            app_ev.STATUS_CHANGED,
            actor,
            case_number=self.case_number,
            from_state="under_review",
            to_state=to_state,
            notify_citizen=notify,
            status_text={"da": "Hjælpemidlet er leveret.", "en": "The device has been delivered."},
        )

    def information_requested(self) -> Event:
        return self.event(
            app_ev.INFORMATION_REQUESTED,
            CASEWORKER,
            case_number=self.case_number,
            deadline="2026-11-17",
            message="Send en lægeerklæring.",
        )

    def decided(self, outcome: str = "granted") -> Event:
        return self.event(
            app_ev.DECIDED,
            CASEWORKER,
            case_number=self.case_number,
            outcome=outcome,
            letter_document_id=str(uuid.uuid4()),
        )

    def withdrawn(self) -> Event:
        return self.event(app_ev.WITHDRAWN, case_number=self.case_number, reason=None)


def consent_event(event_type: str, citizen_id: str, consent_id: str | None = None, **data) -> Event:
    return Event(
        type=event_type,
        source="/services/consents",
        subject=citizen_id,
        actor=Actor(citizen_id, "citizen", "portal"),
        data={"consent_id": consent_id or str(uuid.uuid4()), "citizen_id": citizen_id, **data},
    )


def consent_given(citizen_id: str, expires_at: datetime, consent_id: str | None = None) -> Event:
    return consent_event(
        consent_ev.CONSENT_GIVEN,
        citizen_id,
        consent_id,
        purpose="home_care_assessment",
        data_categories=["health"],
        case_ref=None,
        legal_basis="§ 11 a",
        text_version="2",
        given_at=T0.isoformat(),
        expires_at=expires_at.isoformat(),
        given_by=citizen_id,
        channel="portal",
    )


def consent_withdrawn(citizen_id: str, consent_id: str) -> Event:
    return consent_event(
        consent_ev.CONSENT_WITHDRAWN,
        citizen_id,
        consent_id,
        withdrawn_at=T0.isoformat(),
        withdrawn_by=citizen_id,
    )


def consent_expired(citizen_id: str, consent_id: str) -> Event:
    return consent_event(
        consent_ev.CONSENT_EXPIRED, citizen_id, consent_id, expired_at=T0.isoformat()
    )


def proxy_granted(citizen_id: str, agent_id: str, scopes=("messages.read",)) -> Event:
    return Event(
        type=consent_ev.PROXY_GRANTED,
        source="/services/consents",
        subject=citizen_id,
        actor=Actor(citizen_id, "citizen", "portal"),
        data={
            "proxy_id": str(uuid.uuid4()),
            "citizen_id": citizen_id,
            "agent_id": agent_id,
            "kind": "power_of_attorney",
            "scopes": list(scopes),
            "valid_from": (T0 - timedelta(days=1)).isoformat(),
            "valid_until": (T0 + timedelta(days=365)).isoformat(),
        },
    )


def proxy_revoked(granted: Event) -> Event:
    return Event(
        type=consent_ev.PROXY_REVOKED,
        source="/services/consents",
        subject=granted.subject,
        actor=granted.actor,
        data={
            "proxy_id": granted.data["proxy_id"],
            "citizen_id": granted.data["citizen_id"],
            "agent_id": granted.data["agent_id"],
            "revoked_at": T0.isoformat(),
            "revoked_by": granted.data["citizen_id"],
        },
    )


class Appointment:
    """One appointment's events as the appointments service publishes them (the data checked
    against the registered schema, as the consumer checks it)."""

    def __init__(
        self,
        kind: str = "home_visit",
        starts_at: datetime = WINTER_VISIT,
        citizen_id: str | None = None,
        **extra,
    ) -> None:
        self.appointment_id = str(uuid.uuid4())
        self.citizen_id = citizen_id or person()
        self.kind = kind
        self.starts_at = starts_at
        self.staff_ids = ["sygeplejerske-1"]
        self.video_url = (
            f"https://video.example.kommune.dk/room/{uuid.uuid4().hex[:12]}"
            if kind == "video_visit"
            else None
        )
        self.extra = extra  # fields a later producer may add (e.g. location)

    def event(
        self, event_type: str, actor: Actor = SCHEDULER, event_id: str | None = None, **data
    ) -> Event:
        body = {
            "appointment_id": self.appointment_id,
            "citizen_id": self.citizen_id,
            "kind": self.kind,
            "service_id": "visitation",
            "starts_at": self.starts_at.isoformat(),
            "ends_at": (self.starts_at + timedelta(minutes=45)).isoformat(),
            "staff_ids": list(self.staff_ids),
            "video_url": self.video_url,
            **self.extra,
            **data,
        }
        given_id = {"id": event_id} if event_id else {}
        return validate_event(
            Event(
                type=event_type,
                source="/services/appointments",
                subject=self.appointment_id,
                actor=actor,
                data=body,
                **given_id,
            )
        )

    def booked(self) -> Event:
        return self.event(appointment_ev.APPOINTMENT_BOOKED, booked_by=SCHEDULER.id)

    def moved(self, to: datetime) -> Event:
        before = self.starts_at
        self.starts_at = to
        return self.event(
            appointment_ev.APPOINTMENT_MOVED,
            moved_by=SCHEDULER.id,
            previous_starts_at=before.isoformat(),
            previous_ends_at=(before + timedelta(minutes=45)).isoformat(),
            previous_staff_ids=list(self.staff_ids),
        )

    def cancelled(self, reason: str | None = None) -> Event:
        return self.event(
            appointment_ev.APPOINTMENT_CANCELLED, cancelled_by=SCHEDULER.id, reason=reason
        )

    def reminder_due(self) -> Event:
        reminder_id = str(uuid.uuid4())
        return self.event(
            appointment_ev.REMINDER_DUE,
            Actor.system("appointments-reminders"),
            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, reminder_id)),
            reminder_id=reminder_id,
            due_at=(self.starts_at - timedelta(days=1)).isoformat(),
        )
