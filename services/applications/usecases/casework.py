"""The case system's side: case actions (one small handler per action, found in a table) and
case documents."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection

from kit.auth import Principal
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
            handler(self, conn, principal, application, action, params)
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


CaseAction = Callable[[Casework, Connection, Principal, Application, str, Params], None]


def _plain_transition(
    uc: Casework,
    conn: Connection,
    principal: Principal,
    application: Application,
    action: str,
    params: Params,
) -> None:
    """start_review, close (and an unknown action, which the state machine refuses)."""
    uc._transition(conn, principal, application, action, reason=params.get("reason"))


def _request_information(
    uc: Casework,
    conn: Connection,
    principal: Principal,
    application: Application,
    action: str,
    params: Params,
) -> None:
    if params["deadline"] <= uc.clock().date():
        raise InvalidRequest(
            "Fristen skal ligge i fremtiden.",
            "The deadline must be in the future.",
            code="application.deadline_in_past",
            field="deadline",
        )
    uc._transition(
        conn,
        principal,
        application,
        action,
        reason=params["message"],
        information_deadline=params["deadline"],
    )
    record_event(
        conn,
        uc.topic,
        uc._event(
            ev.INFORMATION_REQUESTED,
            principal,
            application,
            case_number=application["case_number"],
            deadline=params["deadline"].isoformat(),
            message=params["message"],
        ),
    )


def _resume(
    uc: Casework,
    conn: Connection,
    principal: Principal,
    application: Application,
    action: str,
    params: Params,
) -> None:
    uc._transition(
        conn, principal, application, action, reason=params.get("reason"), information_deadline=None
    )


def _decide(
    uc: Casework,
    conn: Connection,
    principal: Principal,
    application: Application,
    action: str,
    params: Params,
) -> None:
    uc._transition(
        conn,
        principal,
        application,
        action,
        reason=params.get("reason"),
        outcome=params["outcome"],
        granted_amount_ore=None
        if params["outcome"] == "refused"
        else params.get("granted_amount_ore"),
    )
    application = store.get_application(conn, application["id"]) or application
    letter = uc._add_document(
        conn,
        principal,
        application,
        direction="outgoing",
        title=params["letter_title"],
        document_date=params.get("letter_date", date.today()),
        content=params.get("letter_content"),
        content_type=params.get("letter_content_type"),
    )
    record_event(
        conn,
        uc.topic,
        uc._event(
            ev.DECIDED,
            principal,
            application,
            case_number=application["case_number"],
            outcome=params["outcome"],
            letter_document_id=letter["id"],
            granted_amount_ore=application["granted_amount_ore"],
        ),
    )


def _pay(
    uc: Casework,
    conn: Connection,
    principal: Principal,
    application: Application,
    action: str,
    params: Params,
) -> None:
    """One payment; monthly benefits pay again while paid out (no new state, a new event)."""
    if application["outcome"] == "refused":
        raise domain.PaymentNotDue()
    if application["state"] == domain.PAID_OUT:
        _same_state(uc, conn, principal, application, action, params.get("reason"))
    else:
        uc._transition(conn, principal, application, action, reason=params.get("reason"))
    payment_id = str(uuid.uuid4())
    casework_store.add_payment(
        conn,
        {
            "id": payment_id,
            "application_id": application["id"],
            "amount_ore": params["amount_ore"],
            "paid_on": params["paid_on"],
            "period": params.get("period"),
            "registered_by": principal.subject,
        },
    )
    record_event(
        conn,
        uc.topic,
        uc._event(
            ev.PAID_OUT,
            principal,
            application,
            case_number=application["case_number"],
            amount_ore=params["amount_ore"],
            paid_on=params["paid_on"].isoformat(),
            payment_id=payment_id,
            period=params.get("period"),
        ),
    )


def _same_state(
    uc: Casework,
    conn: Connection,
    principal: Principal,
    application: Application,
    action: str,
    reason: str | None,
) -> None:
    """An action that leaves the state as it is: the version moves, the history tells."""
    domain.next_state(application["state"], action)  # still refuses what is not allowed
    if not store.update_application(conn, application["id"], application["version"]):
        raise VersionConflict()
    store.add_history(
        conn,
        application_id=application["id"],
        action=action,
        from_state=application["state"],
        to_state=application["state"],
        actor_id=principal.subject,
        actor_type=principal.kind,
        on_behalf_of=application["citizen_id"],
        channel=principal.channel,
        reason=reason,
    )


def _assign(
    uc: Casework,
    conn: Connection,
    principal: Principal,
    application: Application,
    action: str,
    params: Params,
) -> None:
    """Claim (no assignee: oneself) or give the case to a caseworker, who then has it even
    outside their unit's caseload (the history and the event say who gave it)."""
    if application["state"] in (domain.DRAFT, domain.WITHDRAWN, domain.CLOSED):
        raise domain.IllegalTransition(
            detail_en=f"a {application['state']} case has no caseworker",
            extra={"state": application["state"], "action": action},
        )
    assignee = params.get("assignee_id") or principal.subject
    if not store.update_application(
        conn, application["id"], application["version"], assignee_id=assignee
    ):
        raise VersionConflict()
    store.add_history(
        conn,
        application_id=application["id"],
        action="claim" if assignee == principal.subject else "assign",
        from_state=application["state"],
        to_state=application["state"],
        actor_id=principal.subject,
        actor_type=principal.kind,
        on_behalf_of=application["citizen_id"],
        channel=principal.channel,
        reason=None,
    )
    record_event(
        conn,
        uc.topic,
        uc._event(
            ev.ASSIGNED,
            principal,
            application,
            case_number=application["case_number"],
            assignee_id=assignee,
            previous_assignee_id=application["assignee_id"],
        ),
    )


def _note(
    uc: Casework,
    conn: Connection,
    principal: Principal,
    application: Application,
    action: str,
    params: Params,
) -> None:
    """An internal note: kept here, never in an event, a message or the overview."""
    if application["state"] == domain.DRAFT:
        raise domain.IllegalTransition(detail_en="a draft has no case notes yet")
    note_id = str(uuid.uuid4())
    casework_store.add_note(
        conn,
        {
            "id": note_id,
            "application_id": application["id"],
            "text": params["text"],
            "written_by": principal.subject,
        },
    )
    record_event(conn, uc.topic, uc._event(ev.NOTE_ADDED, principal, application, note_id=note_id))


CASE_ACTIONS: dict[str, CaseAction] = {
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
