"""The format of a catalogue file, checked strictly on load: the marshmallow schemas of an
application type, and the grammar of the guidance conditions (see catalogue.py)."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)


class CatalogueError(Exception):
    """A catalogue file that does not follow the format; the service refuses to start."""


FIELD_TYPES = ("text", "textarea", "integer", "money", "boolean", "date", "choice")
SEVERITIES = ("error", "warning", "hint")
# Characters a text answer may have unless the catalogue says otherwise; other types hold a
# number, a date or a choice, whose own checks bound them.
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 4000, "choice": 100, "date": 32}
STATES_WITH_TEXT = (
    "submitted",
    "under_review",
    "awaiting_citizen",
    "decided_granted",
    "decided_partly_granted",
    "decided_refused",
    "paid_out",
    "closed",
    "withdrawn",
)
OVERVIEW_PROGRESS = ("Opstaaet", "Oplyst", "Afgjort", "Afsluttet")
SENSITIVITIES = ("ikke_fortrolig", "fortrolig", "saerligt_foelsom")
COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in")
PRESENCE = ("missing", "present", "true", "false")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class TextSchema(_Strict):
    da = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


def _text(**kwargs):
    return fields.Nested(TextSchema, **kwargs)


class ConditionField(fields.Field):
    """A condition is a small recursive language; checked by `check_condition`."""

    def _deserialize(self, value, attr, data, **kwargs):
        check_condition(value)
        return value


class ChoiceSchema(_Strict):
    value = fields.String(required=True)
    label = _text(required=True)


class FieldSchema(_Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=False)
    label = _text(required=True)
    help = _text(load_default=None)
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=None)
    min = fields.Float(load_default=None)
    max = fields.Float(load_default=None)
    visible_when = ConditionField(load_default=None)
    # How many characters a text answer may have; saving more is refused. A catalogue file
    # may set it per field; text types get a default, so none is unbounded.
    max_length = fields.Integer(load_default=None, validate=validate.Range(min=1, max=10_000))

    @post_load
    def _default_max_length(self, data, **kwargs):
        if data["max_length"] is None:
            data["max_length"] = DEFAULT_MAX_LENGTH.get(data["type"])
        return data

    @validates_schema
    def _choices(self, data, **kwargs):
        if (data["type"] == "choice") != bool(data.get("choices")):
            raise ValidationError("a choice field needs choices, and only it", "choices")


class StepSchema(_Strict):
    id = fields.String(required=True)
    title = _text(required=True)
    # Named step_fields here: "fields" would shadow marshmallow's own Schema.fields.
    step_fields = fields.List(
        fields.Nested(FieldSchema),
        required=True,
        data_key="fields",
        attribute="fields",
        validate=validate.Length(min=1),
    )


class AttachmentSchema(_Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    title = _text(required=True)
    help = _text(load_default=None)
    required = fields.Boolean(load_default=False)
    required_when = ConditionField(load_default=None)


class ThresholdSchema(_Strict):
    valid_from = fields.Date(required=True)
    value = fields.Float(required=True)
    unit = fields.String(required=True)
    source = fields.String(load_default=None)
    verified = fields.Boolean(load_default=False)


class RuleSchema(_Strict):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_.-]+$"))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    field = fields.String(load_default=None)
    when = ConditionField(required=True)
    message = _text(required=True)


class DataFetchSchema(_Strict):
    id = fields.String(required=True)
    purpose = fields.String(required=True)
    source = fields.String(required=True)
    data_categories = fields.List(fields.String(), required=True)
    title = _text(required=True)
    fills_fields = fields.List(fields.String(), load_default=list)


class StatusSchema(_Strict):
    state = fields.String(required=True, validate=validate.OneOf(STATES_WITH_TEXT))
    text = _text(required=True)
    notify_citizen = fields.Boolean(required=True)
    final = fields.Boolean(required=True)
    overview_progress = fields.String(required=True, validate=validate.OneOf(OVERVIEW_PROGRESS))


class LawSchema(_Strict):
    law = _text(required=True)
    section = fields.String(required=True)
    url = fields.String(load_default=None)


class ApplicationTypeSchema(_Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9-]+$"))
    version = fields.Date(required=True)
    title = _text(required=True)
    summary = _text(required=True)
    legal_basis = fields.Nested(LawSchema, required=True)
    kle = fields.String(required=True)
    published_to_overview = fields.Boolean(required=True)
    sensitivity = fields.String(required=True, validate=validate.OneOf(SENSITIVITIES))
    steps = fields.List(fields.Nested(StepSchema), required=True, validate=validate.Length(min=1))
    attachments = fields.List(fields.Nested(AttachmentSchema), load_default=list)
    thresholds = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(ThresholdSchema), validate=validate.Length(min=1)),
        load_default=dict,
    )
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)
    data_fetch = fields.List(fields.Nested(DataFetchSchema), load_default=list)
    statuses = fields.List(fields.Nested(StatusSchema), required=True)


def check_condition(condition: Any) -> None:
    if not isinstance(condition, dict) or len(condition) == 0:
        raise ValidationError(f"a condition must be an object, got {condition!r}")
    if "all" in condition or "any" in condition:
        (key,) = condition.keys() if len(condition) == 1 else (None,)
        if key is None or not isinstance(condition[key], list) or not condition[key]:
            raise ValidationError(f"'all'/'any' take a non-empty list alone: {condition!r}")
        for part in condition[key]:
            check_condition(part)
        return
    if "not" in condition:
        if len(condition) != 1:
            raise ValidationError(f"'not' stands alone: {condition!r}")
        check_condition(condition["not"])
        return
    op = condition.get("op")
    if "attachment" in condition:
        if set(condition) != {"attachment", "op"} or op not in ("missing", "present"):
            raise ValidationError(f"bad attachment condition: {condition!r}")
        return
    if "field" not in condition:
        raise ValidationError(
            f"a condition needs field, attachment, all, any or not: {condition!r}"
        )
    if op in PRESENCE:
        if set(condition) != {"field", "op"}:
            raise ValidationError(f"'{op}' takes only a field: {condition!r}")
    elif op in COMPARISONS:
        if len({"value", "threshold"} & set(condition)) != 1 or len(condition) != 3:
            raise ValidationError(f"'{op}' needs a value or a threshold: {condition!r}")
        if op == "in" and not isinstance(condition.get("value"), list):
            raise ValidationError(f"'in' needs a list value: {condition!r}")
    else:
        raise ValidationError(f"unknown operator {op!r} in {condition!r}")


def condition_references(condition: dict) -> tuple[set[str], set[str], set[str]]:
    """(fields, attachments, thresholds) a condition mentions."""
    fields_, attachments, thresholds = set(), set(), set()
    parts = (
        condition.get("all")
        or condition.get("any")
        or ([condition["not"]] if "not" in condition else None)
    )
    if parts:
        for part in parts:
            f, a, t = condition_references(part)
            fields_ |= f
            attachments |= a
            thresholds |= t
        return fields_, attachments, thresholds
    if "attachment" in condition:
        attachments.add(condition["attachment"])
    if "field" in condition:
        fields_.add(condition["field"])
    if "threshold" in condition:
        thresholds.add(condition["threshold"])
    return fields_, attachments, thresholds
