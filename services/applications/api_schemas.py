"""Request and response shapes of the applications API (marshmallow; also the OpenAPI source)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from kit.request_schemas import StrictSchema as _Strict
from services.applications.domain import OUTCOMES


class CreateApplicationSchema(_Strict):
    type = fields.String(required=True, metadata={"example": "enkeltudgifter"})
    citizen_id = fields.UUID(
        load_default=None,
        metadata={
            "description": "The citizen's person UUID (never a CPR number); staff and proxies "
            "must name it."
        },
    )
    answers = fields.Dict(keys=fields.String(), load_default=dict)


class AnswersSchema(_Strict):
    answers = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"example": {"household": "single", "wealth": 4000}},
    )


class WithdrawSchema(_Strict):
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))


class LetterFields(Schema):
    letter_title = fields.String(validate=validate.Length(min=1, max=255))
    letter_date = fields.Date()


class CaseActionSchema(_Strict):
    action = fields.String(
        required=True,
        validate=validate.OneOf(
            (
                "start_review",
                "request_information",
                "resume",
                "decide",
                "pay",
                "close",
                "reopen",
                "assign",
                "note",
            )
        ),
    )
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))
    deadline = fields.Date(metadata={"description": "request_information: answer by"})
    message = fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "request_information: what is missing"},
    )
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    letter_title = fields.String(
        validate=validate.Length(min=1, max=255),
        metadata={"description": "decide: the decision letter's title"},
    )
    letter_date = fields.Date()
    amount_ore = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "pay: amount in øre (1 kr = 100 øre)"},
    )
    paid_on = fields.Date()
    period = fields.String(
        validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
        metadata={"description": "pay: the month paid for (YYYY-MM), for monthly benefits"},
    )
    granted_amount_ore = fields.Integer(
        validate=validate.Range(min=0),
        metadata={"description": "decide: the amount granted, in øre (monthly: per month)"},
    )
    assignee_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "assign: the caseworker (omitted: yourself, a claim)"},
    )
    text = fields.String(
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "note: the internal note (never shown to the citizen)"},
    )

    @validates_schema
    def _needs(self, data, **kwargs):
        needed = {
            "request_information": ("deadline", "message"),
            "decide": ("outcome", "letter_title"),
            "pay": ("amount_ore", "paid_on"),
            "reopen": ("reason",),
            "note": ("text",),
        }.get(data["action"], ())
        missing = {
            name: ["Påkrævet for denne handling / required for this action"]
            for name in needed
            if data.get(name) is None
        }
        if missing:
            raise ValidationError(missing)


class CaseDocumentSchema(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=255))
    direction = fields.String(
        required=True, validate=validate.OneOf(("incoming", "outgoing", "internal"))
    )
    document_date = fields.Date(required=True)


# -- responses (documentation; the service builds these shapes) --------------------------------


class TextOut(Schema):
    da = fields.String()
    en = fields.String()


class CreatedByOut(Schema):
    id = fields.String()
    type = fields.String(metadata={"enum": ["citizen", "staff", "machine"]})
    name = fields.String(
        allow_none=True, metadata={"description": "Staff only: who started it with the citizen"}
    )


class SubmitSchema(_Strict):
    """Staff submitting for a citizen (co-service) say when the citizen confirmed it."""

    citizen_confirmed_at = fields.AwareDateTime(load_default=None, allow_none=True)
    message = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=5000),
        metadata={"description": "Answering a request for information: the citizen's answer."},
    )


class FetchedOut(Schema):
    fetch_id = fields.String()
    source = fields.String()
    fetched_at = fields.AwareDateTime()
    values = fields.Dict(metadata={"description": "The fetched value of each field it fills."})


class ApplicationOut(Schema):
    id = fields.String()
    type = fields.String()
    title = fields.String()
    case_number = fields.String(allow_none=True, metadata={"example": "ANS-2026-000042"})
    state = fields.String(
        metadata={
            "enum": [
                "draft",
                "submitted",
                "under_review",
                "awaiting_citizen",
                "decided",
                "paid_out",
                "closed",
                "withdrawn",
            ]
        }
    )
    outcome = fields.String(allow_none=True)
    status_text = fields.Nested(TextOut)
    citizen_id = fields.String()
    answers = fields.Dict()
    version = fields.Integer(metadata={"description": "Also in the ETag header"})
    channel = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    information_deadline = fields.Date(allow_none=True)
    attachments_provided = fields.List(fields.String())
    fetched = fields.List(
        fields.Nested(FetchedOut),
        metadata={"description": "Data fetched with consent: which fields, from where, when."},
    )
    created_by = fields.Nested(CreatedByOut)
    attested_by = fields.String(
        allow_none=True,
        metadata={"description": "Staff who attest that the citizen confirmed the submission"},
    )
    citizen_confirmed_at = fields.DateTime(allow_none=True)
    assignee_id = fields.String(
        allow_none=True, metadata={"description": "The caseworker who has the case"}
    )
    granted_amount_ore = fields.Integer(
        allow_none=True, metadata={"description": "Decided: the amount granted, in øre"}
    )


class FindingOut(Schema):
    code = fields.String(metadata={"example": "enkeltudgifter.wealth_above_limit"})
    severity = fields.String(metadata={"enum": ["error", "warning", "hint"]})
    field = fields.String(allow_none=True)
    message = fields.Nested(TextOut)


class ChecksOut(Schema):
    can_submit = fields.Boolean()
    findings = fields.List(fields.Nested(FindingOut))


class HistoryOut(Schema):
    id = fields.Integer()
    application_id = fields.String()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    actor_id = fields.String()
    actor_type = fields.String()
    on_behalf_of = fields.String(allow_none=True)
    channel = fields.String()
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class DocumentOut(Schema):
    id = fields.String()
    title = fields.String()
    direction = fields.String(metadata={"enum": ["incoming", "outgoing", "internal"]})
    document_date = fields.Date()
    requirement_id = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    content_type = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    added_by = fields.String()
    added_at = fields.DateTime()
