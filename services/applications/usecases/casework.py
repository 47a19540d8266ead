"""The case system's side: case actions (one small handler per action, found in a table) and
case documents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection

from kit.auth import Principal
from kit.idempotency import Outcome
from kit.outbox import record_event
from schemas.events import applications as ev
from services.applications import access, domain, store
from services.applications.errors import Forbidden, InvalidRequest
from services.applications.usecases.base import ApplicationsBase

Application = dict[str, Any]
Params = dict[str, Any]


class Casework(ApplicationsBase):
    """Actions of the case system or the caseworker."""

    def case_action(
        self, principal: Principal, application_id: str, action: str, params: Params
    ) -> Outcome:
        if not access.can_handle_case(principal):
            raise Forbidden(detail_en="only case handlers may do this")
        with self.engine.begin() as conn:
            application = self._load_readable(conn, principal, application_id, for_update=True)
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
        if not access.can_handle_case(principal):
            raise Forbidden(detail_en="only case handlers may do this")
        with self.engine.begin() as conn:
            application = self._load_readable(conn, principal, application_id, for_update=True)
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
        conn, principal, application, action, reason=params.get("reason"), outcome=params["outcome"]
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
    if application["outcome"] == "refused":
        raise domain.PaymentNotDue()
    uc._transition(conn, principal, application, action, reason=params.get("reason"))
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
        ),
    )


CASE_ACTIONS: dict[str, CaseAction] = {
    "start_review": _plain_transition,
    "request_information": _request_information,
    "resume": _resume,
    "decide": _decide,
    "pay": _pay,
    "close": _plain_transition,
}
