"""The case system's side: case actions (one small handler per action, found in a table) and
case documents."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from kit.auth import Principal
from kit.clock import local_date
from kit.idempotency import Outcome
from kit.outbox import record_event
from schemas.events import applications as ev
from services.applications import casework_store, domain, store
from services.applications.errors import InvalidRequest, VersionConflict
from services.applications.usecases.base import ApplicationsBase

Application = dict[str, Any]
Params = dict[str, Any]


class Casework(ApplicationsBase):
    """Actions of the case system or the caseworker."""

    def case_action(
        self, principal: Principal, application_id: str, action: str, params: Params
    ) -> Outcome:
        with self.engine.begin() as conn:
            application = self._load_handled(conn, principal, application_id)
            handler = CASE_ACTIONS.get(action, _plain_transition)
            handler(CaseStep(self, conn, principal, application, action, params))
            return self._outcome(conn, application_id, principal)

    def add_case_document(
        self,
        principal: Principal,
        application_id: str,
        title: str,
        direction: str,
        document_date: date,
    ) -> dict[str, Any]:
        with self.engine.begin() as conn:
            application = self._load_handled(conn, principal, application_id)
            if application["state"] == domain.DRAFT:
                raise domain.IllegalTransition(detail_en="a draft has no case documents yet")
            return self._add_document(
                conn,
                principal,
                application,
                title=title,
                direction=direction,
                document_date=document_date,
            )


@dataclass
class CaseStep:
    """One case action under way, and the three things an action does with it: move the state
    (or keep it, with a line in the history), and record an event. Every handler has this one
    shape: `handler(step)`."""

    uc: Casework
    conn: Connection
    principal: Principal
    application: Application
    action: str
    params: Params

    def transition(self, reason: str | None = None, **changes: Any) -> None:
        self.uc._transition(
            self.conn,
            self.principal,
            self.application,
            self.action,
            reason=reason if reason is not None else self.params.get("reason"),
            **changes,
        )

    def keep_state(self, action: str, reason: str | None = None, **changes: Any) -> None:
        """An action that leaves the state as it is: the version moves, the history tells."""
        application = self.application
        if not store.update_application(
            self.conn, application["id"], application["version"], **changes
        ):
            raise VersionConflict()
        store.add_history(
            self.conn,
            application_id=application["id"],
            action=action,
            from_state=application["state"],
            to_state=application["state"],
            actor_id=self.principal.subject,
            actor_type=self.principal.kind,
            on_behalf_of=application["citizen_id"],
            channel=self.principal.channel,
            reason=reason,
        )

    def record(self, event_type: str, **data: Any) -> None:
        """The action's event, with the case number (an internal note's event has none)."""
        if event_type != ev.NOTE_ADDED:
            data = {"case_number": self.application["case_number"], **data}
        event = self.uc._event(event_type, self.principal, self.application, **data)
        record_event(self.conn, self.uc.topic, event)


def _plain_transition(step: CaseStep) -> None:
    """start_review, close, reopen (and an unknown action, which the state machine refuses)."""
    step.transition()


def _request_information(step: CaseStep) -> None:
    deadline, message = step.params["deadline"], step.params["message"]
    if deadline <= local_date(step.uc.clock()):  # today in Copenhagen, not in UTC
        raise InvalidRequest(
            "Fristen skal ligge i fremtiden.",
            "The deadline must be in the future.",
            code="application.deadline_in_past",
            field="deadline",
        )
    step.transition(reason=message, information_deadline=deadline)
    step.record(ev.INFORMATION_REQUESTED, deadline=deadline.isoformat(), message=message)


def _resume(step: CaseStep) -> None:
    step.transition(information_deadline=None)


def _decide(step: CaseStep) -> None:
    params, outcome = step.params, step.params["outcome"]
    amount = None if outcome == "refused" else params.get("granted_amount_ore")
    step.transition(outcome=outcome, granted_amount_ore=amount)
    step.application = store.get_application(step.conn, step.application["id"]) or step.application
    letter = step.uc._add_document(
        step.conn,
        step.principal,
        step.application,
        direction="outgoing",
        title=params["letter_title"],
        document_date=params.get("letter_date") or local_date(step.uc.clock()),
        content=params.get("letter_content"),
        content_type=params.get("letter_content_type"),
    )
    step.record(
        ev.DECIDED,
        outcome=outcome,
        letter_document_id=letter["id"],
        granted_amount_ore=step.application["granted_amount_ore"],
    )


def _pay(step: CaseStep) -> None:
    """One payment; monthly benefits pay again while paid out (no new state, a new event)."""
    params = step.params
    if step.application["outcome"] == "refused":
        raise domain.PaymentNotDue()
    if step.application["state"] == domain.PAID_OUT:
        domain.next_state(domain.PAID_OUT, step.action)  # still refuses what is not allowed
        step.keep_state(step.action, params.get("reason"))
    else:
        step.transition()
    payment_id = str(uuid.uuid4())
    casework_store.add_payment(
        step.conn,
        {
            "id": payment_id,
            "application_id": step.application["id"],
            "amount_ore": params["amount_ore"],
            "paid_on": params["paid_on"],
            "period": params.get("period"),
            "registered_by": step.principal.subject,
        },
    )
    step.record(
        ev.PAID_OUT,
        amount_ore=params["amount_ore"],
        paid_on=params["paid_on"].isoformat(),
        payment_id=payment_id,
        period=params.get("period"),
    )


def _assign(step: CaseStep) -> None:
    """Claim (no assignee: oneself) or give the case to a caseworker, who then has it even
    outside their unit's caseload (the history and the event say who gave it)."""
    state = step.application["state"]
    if state in (domain.DRAFT, domain.WITHDRAWN, domain.CLOSED):
        raise domain.IllegalTransition(
            detail_en=f"a {state} case has no caseworker",
            extra={"state": state, "action": step.action},
        )
    assignee = step.params.get("assignee_id") or step.principal.subject
    step.keep_state(
        "claim" if assignee == step.principal.subject else "assign", assignee_id=assignee
    )
    step.record(
        ev.ASSIGNED,
        assignee_id=assignee,
        previous_assignee_id=step.application["assignee_id"],
    )


def _note(step: CaseStep) -> None:
    """An internal note: kept here, never in an event, a message or the overview."""
    if step.application["state"] == domain.DRAFT:
        raise domain.IllegalTransition(detail_en="a draft has no case notes yet")
    note_id = str(uuid.uuid4())
    casework_store.add_note(
        step.conn,
        {
            "id": note_id,
            "application_id": step.application["id"],
            "text": step.params["text"],
            "written_by": step.principal.subject,
        },
    )
    step.record(ev.NOTE_ADDED, note_id=note_id)


CASE_ACTIONS: dict[str, Callable[[CaseStep], None]] = {
    "start_review": _plain_transition,
    "request_information": _request_information,
    "resume": _resume,
    "decide": _decide,
    "pay": _pay,
    "close": _plain_transition,
    "reopen": _plain_transition,  # after a complaint; the reason is the complaint
    "assign": _assign,
    "note": _note,
}
