"""The rules of notifications, pure: which rule matches an event, templates and their fields,
the choice of channel, a message's life (state machine), retries and quiet hours."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kit.errors import Problem
from schemas.events.notifications import CHANNELS

LANGUAGES = ("da", "en")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
RECIPIENT_GROUPS = ("citizen", "proxies", "staff")
CREATED, SENDING, DELIVERED = "created", "sending", "delivered"
TEMPORARY_FAILURE, PERMANENT_FAILURE = "temporary_failure", "permanent_failure"
DUE = (CREATED, TEMPORARY_FAILURE)  # what the sender picks up when its time has come
# A message's life; a repeated status (a provider calling back twice) is no change.
TRANSITIONS = {
    CREATED: {SENDING, PERMANENT_FAILURE},
    SENDING: {DELIVERED, TEMPORARY_FAILURE, PERMANENT_FAILURE},
    # DELIVERED: a late report that an earlier attempt got through after all.
    TEMPORARY_FAILURE: {SENDING, DELIVERED, PERMANENT_FAILURE},
    DELIVERED: set(),
    PERMANENT_FAILURE: set(),
}
MONTHS_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS_DA = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class TemplateInvalid(Problem):
    status = 422
    code = "template.invalid"
    title_da = "Skabelonen er ikke gyldig"
    title_en = "The template is not valid"


class MissingValue(Problem):
    status = 422
    code = "template.missing_value"
    title_da = "Et flettefelt mangler en værdi"
    title_en = "A personalisation field has no value"


class TemplateNotFound(Problem):
    status = 404
    code = "template.not_found"
    title_da = "Skabelonen findes ikke"
    title_en = "The template does not exist"


class MessageNotFound(Problem):
    status = 404
    code = "notification.not_found"
    title_da = "Beskeden findes ikke"
    title_en = "The message does not exist"


class InvalidTransition(Problem):
    status = 409
    code = "notification.invalid_transition"
    title_da = "Beskeden kan ikke skifte til den status"
    title_en = "The message cannot move to that status"


# Rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    on: str
    template: str
    recipients: tuple[str, ...]
    channels: tuple[str, ...]
    when: Mapping[str, Any]
    preferences: bool
    fallback: bool
    optional: bool  # no message at all when no channel of the rule reaches the recipient

    def matches(self, event_type: str, data: Mapping[str, Any]) -> bool:
        return event_type == self.on and all(_holds(data.get(k), c) for k, c in self.when.items())


def _holds(value: Any, condition: Any) -> bool:
    if isinstance(condition, dict):
        if "in" in condition:
            return value in condition["in"]
        return value not in condition["not_in"]
    return bool(value == condition)


def load_rules(raw: Iterable[Mapping[str, Any]], templates: Iterable[str]) -> list[Rule]:
    """The rules, checked: a rule that names an unknown template or channel never loads."""
    known = set(templates)
    rules: list[Rule] = []
    for item in raw:
        rule = Rule(
            id=item["id"],
            on=item["on"],
            template=item["template"],
            recipients=tuple(item["recipients"]),
            channels=tuple(item["channels"]),
            when=dict(item.get("when", {})),
            preferences=bool(item["preferences"]),
            fallback=bool(item["fallback"]),
            optional=bool(item.get("optional")),
        )
        problems = [] if rule.template in known else [f"unknown template {rule.template}"]
        problems += [f"unknown channel {c}" for c in rule.channels if c not in CHANNELS]
        problems += [
            f"unknown recipients {r}" for r in rule.recipients if r not in RECIPIENT_GROUPS
        ]
        problems += [
            f"bad condition on {k}"
            for k, c in rule.when.items()
            if isinstance(c, dict) and set(c) - {"in", "not_in"}
        ]
        if problems or not rule.channels or rule.id in {r.id for r in rules}:
            raise ValueError(f"rule {rule.id}: {'; '.join(problems) or 'duplicate or empty'}")
        rules.append(rule)
    return rules


# Templates ------------------------------------------------------------------------------------


def placeholders(text: str) -> set[str]:
    """The `${name}` fields a text uses; a stray `$` or a bad name is an error."""
    template = string.Template(text)
    if not template.is_valid():
        raise TemplateInvalid(
            "Skabelonen har et ugyldigt flettefelt. Brug ${navn}, og $$ for $.",
            "The template has an invalid placeholder. Use ${name}, and $$ for $.",
            code="template.invalid_syntax",
        )
    return set(template.get_identifiers())


def validate_template(spec: Mapping[str, Any], texts: Mapping[str, Mapping[str, str]]) -> None:
    """A new version must have both languages, use only the template's fields, and all the
    required ones, in the subject or the body of each language."""
    for language in LANGUAGES:
        if language not in texts:
            raise TemplateInvalid(
                f"Teksten på {language} mangler.",
                f"The {language} text is missing.",
                code="template.language_missing",
                field=language,
            )
        used = placeholders(texts[language]["subject"]) | placeholders(texts[language]["body"])
        unknown = sorted(used - set(spec["fields"]))
        if unknown:
            raise TemplateInvalid(
                "Skabelonen bruger flettefelter, den ikke kender.",
                "The template uses fields it does not know.",
                code="template.unknown_field",
                field=language,
                extra={"fields": unknown, "allowed": list(spec["fields"])},
            )
        missing = sorted(set(spec["required"]) - used)
        if missing:
            raise TemplateInvalid(
                "Skabelonen mangler flettefelter, den skal bruge.",
                "The template lacks fields it must use.",
                code="template.missing_field",
                field=language,
                extra={"fields": missing},
            )


def localise(value: Any, language: str) -> str:
    """A value as the reader should see it: dates written out, {da, en} texts picked."""
    if isinstance(value, Mapping):
        value = value.get(language)
    if isinstance(value, datetime):
        value = value.astimezone(COPENHAGEN).date()
    if isinstance(value, date):
        if language == "da":
            return f"{value.day}. {MONTHS_DA[value.month - 1]} {value.year}"
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return "" if value is None else str(value).strip()


def local_time(instant: datetime, language: str) -> str:
    """A moment written out as people in Denmark read it, in Copenhagen time (summer or
    winter time, whichever holds on that day): "tirsdag den 24. november 2026 kl. 10.30",
    "Tuesday 24 November 2026 at 10:30". A time without a time zone is refused (ambiguous)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a moment needs a time zone")
    local = instant.astimezone(COPENHAGEN)
    if language == "da":
        return (
            f"{WEEKDAYS_DA[local.weekday()]} den {local.day}. "
            f"{MONTHS_DA[local.month - 1]} {local.year} kl. {local.hour}.{local.minute:02d}"
        )
    return (
        f"{WEEKDAYS_EN[local.weekday()]} {local.day} {MONTHS_EN[local.month - 1]} "
        f"{local.year} at {local.hour}:{local.minute:02d}"
    )


def local_times(instant: datetime) -> dict[str, str]:
    """`local_time` in every language, as a value `localise` picks from."""
    return {language: local_time(instant, language) for language in LANGUAGES}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(texts: Mapping[str, str], values: Mapping[str, Any], language: str) -> Rendered:
    """Fill the placeholders; a field without a value is an error, never an empty gap."""
    used = placeholders(texts["subject"]) | placeholders(texts["body"])
    filled = {name: localise(values.get(name), language) for name in used}
    missing = sorted(name for name, text in filled.items() if not text)
    if missing:
        raise MissingValue(
            "Der mangler værdier til flettefelterne.",
            "Values are missing for the personalisation fields.",
            extra={"fields": missing},
        )
    return Rendered(
        string.Template(texts["subject"]).substitute(filled),
        string.Template(texts["body"]).substitute(filled),
    )


# Recipients and channels ----------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """How to reach a person: from the contact directory (an adapter)."""

    person_id: str
    email: str | None = None
    phone: str | None = None
    digital_post_exempt: bool = False
    language: str = "da"
    channels: tuple[str, ...] | None = None  # the person's own order; None: the rule's order

    def reaches(self, channel: str) -> bool:
        return {"email": bool(self.email), "sms": bool(self.phone)}.get(channel, True)


def choose_channels(rule: Rule, contact: Contact, role: str) -> list[str]:
    """The channels to try in order (the first now, the rest on permanent failure).

    Digital Post is always possible (a citizen exempt from it gets a physical letter, through
    the same print service); email and SMS need an address. A person's preferences reorder
    the rule's channels and may leave out email and SMS, never the official mailbox.
    """
    channels = list(rule.channels)
    if rule.preferences and contact.channels is not None:
        order = {c: i for i, c in enumerate(contact.channels)}
        channels = sorted(
            (c for c in channels if c in order or c == "digital_post"),
            key=lambda c: order.get(c, len(order)),
        )
    if role == "staff":
        channels = [c for c in channels if c == "email"]
    chosen: list[str] = []
    for channel in channels:
        if not contact.reaches(channel):
            continue
        if channel == "digital_post" and contact.digital_post_exempt:
            channel = "letter"
        if channel not in chosen:
            chosen.append(channel)
    return chosen if rule.fallback else chosen[:1]


# A message's life -----------------------------------------------------------------------------


def check_transition(current: str, new: str) -> bool:
    """True if `new` is a change; False if the message has that status already."""
    if new == current:
        return False
    if new not in TRANSITIONS.get(current, set()):
        raise InvalidTransition(extra={"status": current, "requested": new})
    return True


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)

    def next_attempt(self, attempt: int, now: datetime) -> datetime | None:
        """When to try again after failed attempt number `attempt`; None: give up."""
        if attempt >= self.max_attempts:
            return None
        return now + min(self.max_delay, self.first_delay * 2 ** (attempt - 1))


@dataclass(frozen=True)
class QuietHours:
    """No SMS at night: from `start` to `end` local time, SMS wait for the morning."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def not_before(self, channel: str, now: datetime) -> datetime | None:
        """The earliest time the message may go, if that is later than `now`."""
        if channel != "sms":
            return None
        local = now.astimezone(COPENHAGEN)
        if self.end <= local.time() < self.start:
            return None
        day = local.date() + timedelta(days=1 if local.time() >= self.start else 0)
        return datetime.combine(day, self.end, COPENHAGEN).astimezone(now.tzinfo)
