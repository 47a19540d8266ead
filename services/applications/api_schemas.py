"""Request and response shapes of the applications API (marshmallow; also the OpenAPI source)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.applications.domain import OUTCOMES


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class CreateApplicationSchema(_Strict):
    type = fields.String(required=True, metadata={"example": "enkeltudgifter"})
    citizen_id = fields.String(load_default=None, metadata={
        "description": "The citizen's person UUID; staff and proxies must name it."})
    answers = fields.Dict(keys=fields.String(), load_default=dict)


class AnswersSchema(_Strict):
    answers = fields.Dict(keys=fields.String(), required=True,
                          metadata={"example": {"household": "single", "wealth": 4000}})


class WithdrawSchema(_Strict):
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))


class LetterFields(Schema):
    letter_title = fields.String(validate=validate.Length(min=1, max=255))
    letter_date = fields.Date()


class CaseActionSchema(_Strict):
    action = fields.String(required=True, validate=validate.OneOf(
        ("start_review", "request_information", "resume", "decide", "pay", "close")))
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))
    deadline = fields.Date(metadata={"description": "request_information: answer by"})
    message = fields.String(validate=validate.Length(min=1, max=2000),
                            metadata={"description": "request_information: what is missing"})
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    letter_title = fields.String(validate=validate.Length(min=1, max=255),
                                 metadata={"description": "decide: the decision letter's title"})
    letter_date = fields.Date()
    amount_ore = fields.Integer(validate=validate.Range(min=1),
                                metadata={"description": "pay: amount in øre (1 kr = 100 øre)"})
    paid_on = fields.Date()

    @validates_schema
    def _needs(self, data, **kwargs):
        needed = {"request_information": ("deadline", "message"),
                  "decide": ("outcome", "letter_title"),
                  "pay": ("amount_ore", "paid_on")}.get(data["action"], ())
        missing = {name: ["Påkrævet for denne handling / required for this action"]
                   for name in needed if data.get(name) is None}
        if missing:
            raise ValidationError(missing)


class CaseDocumentSchema(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=255))
    direction = fields.String(required=True,
                              validate=validate.OneOf(("incoming", "outgoing", "internal")))
    document_date = fields.Date(required=True)
