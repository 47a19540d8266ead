"""The rules of an application: its lifecycle state machine and what may be saved. Pure.
(The guidance checks: guidance.py.)

Lifecycle (actions in brackets):

    draft --[submit]--> submitted --[start_review]--> under_review
    under_review --[request_information]--> awaiting_citizen --[resume]--> under_review
    under_review --[decide]--> decided --[pay]--> paid_out --[close]--> closed
    paid_out --[pay]--> paid_out (monthly benefits pay more than once)
    decided --[close]--> closed
    decided | paid_out | closed --[reopen]--> under_review (after a complaint)
    draft | submitted | under_review | awaiting_citizen --[withdraw]--> withdrawn

Everything else is refused with `application.illegal_transition`.
"""

from __future__ import annotations

from typing import Any

from kit.errors import Problem
from services.applications.catalogue import ApplicationType

DRAFT, SUBMITTED, UNDER_REVIEW, AWAITING_CITIZEN = (
    "draft",
    "submitted",
    "under_review",
    "awaiting_citizen",
)
DECIDED, PAID_OUT, CLOSED, WITHDRAWN = "decided", "paid_out", "closed", "withdrawn"
STATES = (DRAFT, SUBMITTED, UNDER_REVIEW, AWAITING_CITIZEN, DECIDED, PAID_OUT, CLOSED, WITHDRAWN)
OUTCOMES = ("granted", "partly_granted", "refused")

TRANSITIONS: dict[str, dict[str, str]] = {
    "submit": {DRAFT: SUBMITTED},
    "start_review": {SUBMITTED: UNDER_REVIEW},
    "request_information": {UNDER_REVIEW: AWAITING_CITIZEN},
    "resume": {AWAITING_CITIZEN: UNDER_REVIEW},
    "decide": {UNDER_REVIEW: DECIDED},
    "pay": {DECIDED: PAID_OUT, PAID_OUT: PAID_OUT},
    "close": {DECIDED: CLOSED, PAID_OUT: CLOSED},
    "reopen": {DECIDED: UNDER_REVIEW, PAID_OUT: UNDER_REVIEW, CLOSED: UNDER_REVIEW},
    "withdraw": {
        DRAFT: WITHDRAWN,
        SUBMITTED: WITHDRAWN,
        UNDER_REVIEW: WITHDRAWN,
        AWAITING_CITIZEN: WITHDRAWN,
    },
}
# While these hold, the citizen (or whoever helps them) may still change the answers.
EDITABLE_STATES = (DRAFT, AWAITING_CITIZEN)
# While these hold, the case handler may still gather information for the decision.
OPEN_CASE_STATES = (SUBMITTED, UNDER_REVIEW, AWAITING_CITIZEN)


class IllegalTransition(Problem):
    status = 409
    code = "application.illegal_transition"
    title_da = "Det kan ikke lade sig gøre i sagens nuværende tilstand"
    title_en = "That is not possible in the case's current state"


class NotEditable(Problem):
    status = 409
    code = "application.not_editable"
    title_da = "Ansøgningen kan ikke ændres nu"
    title_en = "The application cannot be changed now"


class UnknownField(Problem):
    status = 422
    code = "application.unknown_field"
    title_da = "Feltet findes ikke i denne ansøgning"
    title_en = "This application has no such field"


class FieldTooLong(Problem):
    status = 422
    code = "application.field_too_long"
    title_da = "Svaret er for langt"
    title_en = "The answer is too long"


class FieldInvalid(Problem):
    status = 422
    code = "application.field_invalid"
    title_da = "Svaret har ikke den rigtige form"
    title_en = "The answer does not have the right form"


class CannotSubmit(Problem):
    status = 422
    code = "application.cannot_submit"
    title_da = "Ansøgningen mangler noget, før den kan sendes"
    title_en = "The application is missing something before it can be sent"


class PaymentNotDue(Problem):
    status = 409
    code = "application.payment_not_due"
    title_da = "Der kan ikke udbetales på en afvist ansøgning"
    title_en = "A refused application cannot be paid out"


def next_state(state: str, action: str) -> str:
    allowed = TRANSITIONS.get(action)
    if allowed is None:
        raise IllegalTransition(
            detail_en=f"unknown action {action!r}", code="application.unknown_action"
        )
    if state not in allowed:
        raise IllegalTransition(
            f"Handlingen '{action}' er ikke mulig, når sagen er '{state}'.",
            f"The action '{action}' is not possible while the case is '{state}'.",
            extra={"state": state, "action": action},
        )
    return allowed[state]


def status_key(state: str, outcome: str | None) -> str | None:
    """The catalogue's status entry for a state (decided splits by outcome); None for drafts."""
    if state == DRAFT:
        return None
    if state == DECIDED:
        return f"decided_{outcome}"
    return state


def check_editable(state: str) -> None:
    if state not in EDITABLE_STATES:
        raise NotEditable(
            f"Ansøgningen er '{state}' og kan ikke ændres.",
            f"The application is '{state}' and cannot be changed.",
            extra={"state": state},
        )


def check_open_case(state: str) -> None:
    if state not in OPEN_CASE_STATES:
        raise NotEditable(
            f"Sagen er '{state}'. Oplysninger hentes kun til en åben sag; genoptag den først.",
            f"The case is '{state}'. Information is fetched only for an open case; reopen it "
            f"first.",
            extra={"state": state},
        )


def check_fields_known(app_type: ApplicationType, values: dict[str, Any]) -> None:
    """Only the type's fields, each a single value within the catalogue's max length."""
    unknown = sorted(set(values) - set(app_type.fields))
    if unknown:
        raise UnknownField(
            f"Ukendte felter: {', '.join(unknown)}.",
            f"Unknown fields: {', '.join(unknown)}.",
            field=unknown[0],
        )
    for field_id, value in values.items():
        if isinstance(value, dict | list):
            raise FieldInvalid(
                "Svaret skal være en enkelt værdi.",
                "The answer must be a single value.",
                field=field_id,
            )
        limit = app_type.fields[field_id].get("max_length")
        if isinstance(value, str) and limit and len(value) > limit:
            raise FieldTooLong(
                f"Svaret må højst have {limit} tegn.",
                f"The answer may have at most {limit} characters.",
                field=field_id,
                extra={"max_length": limit},
            )
