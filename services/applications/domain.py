"""The rules of an application: its lifecycle state machine and the guidance checks. Pure.

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

import re
from dataclasses import dataclass
from datetime import date
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


# -- guidance --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # error, warning, hint
    field: str | None
    message: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
        }


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def coerce(field_def: dict[str, Any], value: Any) -> tuple[Any, str | None]:
    """The typed value of an answer, or None with the reason it is not valid."""
    if value is None or value == "":
        return None, None
    kind = field_def["type"]
    if kind in ("integer", "money"):
        if isinstance(value, bool):
            return None, "not_a_number"
        try:
            number = (
                int(str(value).replace(".", "").replace(" ", ""))
                if isinstance(value, str)
                else value
            )
        except ValueError:
            return None, "not_a_number"
        if not isinstance(number, int):
            return None, "not_a_whole_number"
        if field_def.get("min") is not None and number < field_def["min"]:
            return None, "below_minimum"
        if field_def.get("max") is not None and number > field_def["max"]:
            return None, "above_maximum"
        return number, None
    if kind == "boolean":
        return (value, None) if isinstance(value, bool) else (None, "not_yes_or_no")
    if kind == "date":
        if not isinstance(value, str) or not _DATE.match(value):
            return None, "not_a_date"
        try:
            return date.fromisoformat(value), None
        except ValueError:
            return None, "not_a_date"
    if kind == "choice":
        allowed = [c["value"] for c in field_def["choices"]]
        return (value, None) if value in allowed else (None, "not_a_choice")
    limit = 200 if kind == "text" else 5000
    if not isinstance(value, str):
        return None, "not_text"
    return (value, None) if len(value) <= limit else (None, "too_long")


_INVALID_TEXT = {
    "not_a_number": ("Skriv et tal.", "Enter a number."),
    "not_a_whole_number": ("Skriv et helt tal.", "Enter a whole number."),
    "below_minimum": ("Tallet er for lavt.", "The number is too low."),
    "above_maximum": ("Tallet er for højt.", "The number is too high."),
    "not_yes_or_no": ("Svar ja eller nej.", "Answer yes or no."),
    "not_a_date": ("Skriv en dato som ÅÅÅÅ-MM-DD.", "Enter a date as YYYY-MM-DD."),
    "not_a_choice": ("Vælg en af mulighederne.", "Choose one of the options."),
    "not_text": ("Skriv en tekst.", "Enter text."),
    "too_long": ("Teksten er for lang.", "The text is too long."),
}


class _Facts:
    """What conditions look at: typed answers, attachments present, thresholds in force."""

    def __init__(
        self, app_type: ApplicationType, values: dict[str, Any], attachments: set[str], on: date
    ) -> None:
        self.app_type = app_type
        self.values = values
        self.attachments = attachments
        self.on = on

    def holds(self, condition: dict[str, Any]) -> bool:
        if "all" in condition:
            return all(self.holds(c) for c in condition["all"])
        if "any" in condition:
            return any(self.holds(c) for c in condition["any"])
        if "not" in condition:
            return not self.holds(condition["not"])
        op = condition["op"]
        if "attachment" in condition:
            present = condition["attachment"] in self.attachments
            return present if op == "present" else not present
        value = self.values.get(condition["field"])
        if op == "missing":
            return value is None
        if op == "present":
            return value is not None
        if op in ("true", "false"):
            return value is (op == "true")
        if value is None:
            return False  # nothing to compare yet: no warning before the citizen answers
        target: Any = (
            self.app_type.threshold(condition["threshold"], self.on)
            if "threshold" in condition
            else condition["value"]
        )
        if op == "in":
            return value in target
        if isinstance(value, date) and isinstance(target, str):
            target = date.fromisoformat(target)
        try:
            return {
                "eq": value == target,
                "ne": value != target,
                "gt": value > target,
                "gte": value >= target,
                "lt": value < target,
                "lte": value <= target,
            }[op]
        except TypeError:
            return False


def evaluate(
    app_type: ApplicationType, answers: dict[str, Any], attachments: set[str], on: date
) -> list[Finding]:
    """Errors (cannot submit), warnings (likely refusal) and hints for the current answers."""
    findings: list[Finding] = []
    typed: dict[str, Any] = {}
    for field_id, field_def in app_type.fields.items():
        value, problem = coerce(field_def, answers.get(field_id))
        typed[field_id] = value
        if problem:
            da, en = _INVALID_TEXT[problem]
            findings.append(
                Finding(
                    f"application.field_invalid.{problem}", "error", field_id, {"da": da, "en": en}
                )
            )
    facts = _Facts(app_type, typed, attachments, on)
    for field_id, field_def in app_type.fields.items():
        visible = field_def["visible_when"] is None or facts.holds(field_def["visible_when"])
        raw_missing = answers.get(field_id) in (None, "")
        if field_def["required"] and visible and raw_missing:
            label = field_def["label"]
            findings.append(
                Finding(
                    "application.field_required",
                    "error",
                    field_id,
                    {"da": f"Udfyld: {label['da']}", "en": f"Fill in: {label['en']}"},
                )
            )
    for attachment_id, attachment in app_type.attachments.items():
        required = attachment["required"] or (
            attachment["required_when"] is not None and facts.holds(attachment["required_when"])
        )
        if required and attachment_id not in attachments:
            title = attachment["title"]
            findings.append(
                Finding(
                    "application.attachment_required",
                    "error",
                    f"attachments.{attachment_id}",
                    {"da": f"Vedhæft: {title['da']}", "en": f"Attach: {title['en']}"},
                )
            )
    for rule in app_type.rules:
        if facts.holds(rule["when"]):
            findings.append(Finding(rule["code"], rule["severity"], rule["field"], rule["message"]))
    return findings


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
