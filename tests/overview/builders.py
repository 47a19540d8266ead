"""Builders for overview tests: application events for one case, made like the producer's."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kit.events import Actor, Event, validate_event
from schemas.events import applications as ev
from services.overview.domain import Organisation

CPR = "0101804321"
ORG = Organisation(
    cvr="29189846", name="Testkommune", unit_uuid=str(uuid.uuid4()), unit_name="Borgerservice"
)
TRANSITIONS = {
    "submit": ("draft", "submitted"),
    "start_review": ("submitted", "under_review"),
    "request_information": ("under_review", "awaiting_citizen"),
    "resume": ("awaiting_citizen", "under_review"),
    "decide": ("under_review", "decided"),
    "pay": ("decided", "paid_out"),
    "close": ("paid_out", "closed"),
    "withdraw": ("submitted", "withdrawn"),
}


class CaseEvents:
    """Events of one application, in the order the applications service records them."""

    def __init__(
        self,
        type_id: str = "hjaelpemidler",
        cpr: str | None = CPR,
        case_number: str | None = None,
        title: str = "Hjælpemidler",
    ) -> None:
        self.application_id = str(uuid.uuid4())
        self.citizen_id = str(uuid.uuid4())
        self.type_id = type_id
        self.cpr = cpr
        self.case_number = case_number or f"2026-{uuid.uuid4().int % 10**6:06d}"
        self.title = title
        self.clock = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        self.outcome: str | None = None

    def event(self, event_type: str, **data: Any) -> Event:
        self.clock += timedelta(minutes=1)
        event = Event(
            type=event_type,
            source="/services/applications",
            subject=self.application_id,
            time=self.clock,
            actor=Actor("fagsystem", "machine", "integration"),
            data={
                "application_id": self.application_id,
                "citizen_id": self.citizen_id,
                "type_id": self.type_id,
                **data,
            },
        )
        return validate_event(event)

    def created(self) -> Event:
        return self.event(ev.CREATED, title=self.title, channel="portal")

    def status(self, action: str, outcome: str | None = None, **extra: Any) -> Event:
        from_state, to_state = TRANSITIONS[action]
        if outcome:
            self.outcome = outcome
        return self.event(
            ev.STATUS_CHANGED,
            case_number=self.case_number,
            from_state=from_state,
            to_state=to_state,
            outcome=self.outcome,
            status_text={"da": f"{to_state} (da)", "en": to_state},
            notify_citizen=True,
            reason=None,
            **extra,
        )

    def submitted(self) -> Event:
        extra = {"citizen_cpr": self.cpr} if self.cpr else {}
        return self.event(
            ev.SUBMITTED,
            case_number=self.case_number,
            title=self.title,
            submitted_at=self.clock.isoformat(),
            warnings=[],
            **extra,
        )

    def submit(self) -> list[Event]:
        """What one submit records: the status change, then the submitted fact."""
        return [self.status("submit"), self.submitted()]

    def document(self, title: str, direction: str = "outgoing") -> Event:
        return self.event(
            ev.DOCUMENT_ADDED,
            document_id=str(uuid.uuid4()),
            title=title,
            direction=direction,
            document_date=date(2026, 3, 2).isoformat(),
        )

    def decide(self, outcome: str = "granted") -> list[Event]:
        letter = self.document("Afgørelse om hjælpemiddel")
        return [
            self.status("decide", outcome=outcome),
            letter,
            self.event(
                ev.DECIDED,
                case_number=self.case_number,
                outcome=outcome,
                letter_document_id=letter.data["document_id"],
            ),
        ]

    def pay(self, amount_ore: int = 125000) -> list[Event]:
        return [
            self.status("pay"),
            self.event(
                ev.PAID_OUT,
                case_number=self.case_number,
                amount_ore=amount_ore,
                paid_on=date(2026, 3, 20).isoformat(),
            ),
        ]

    def full_life(self) -> list[Event]:
        return [
            self.created(),
            *self.submit(),
            self.status("start_review"),
            self.document("Kvittering for din ansøgning"),
            self.document("Notat om telefonsamtale", direction="internal"),
            self.status("request_information"),
            self.event(
                ev.INFORMATION_REQUESTED,
                case_number=self.case_number,
                deadline="2026-04-01",
                message="Send lægeerklæring",
            ),
            self.document("Lægeerklæring", direction="incoming"),
            self.status("resume"),
            *self.decide(),
            *self.pay(),
            self.status("close"),
        ]
