"""The guidance checks of an application, pure: each answer coerced to its field's type, and
the catalogue's declarative rules evaluated into findings (error, warning, hint). The tablet
runs the same rules in the browser (tests/unit/test_guidance_parity.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.applications.catalogue import ApplicationType


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
