"""Request and response shapes of the notifications API (marshmallow; also the OpenAPI source)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.request_schemas import PersonId
from kit.request_schemas import StrictSchema as _Strict
from schemas.events.notifications import CHANNELS
from services.notifications.domain import LANGUAGES

PREFERRED = ("digital_post", "sms", "email")  # letter is Digital Post's fallback, not a choice


class PreferencesSchema(_Strict):
    language = fields.String(load_default="da", validate=validate.OneOf(LANGUAGES))
    channels = fields.List(
        fields.String(validate=validate.OneOf(PREFERRED)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=3),
        metadata={
            "description": "Your order of channels for messages that may "
            "go by email or SMS; leave one out to not get "
            "it. Official letters always go to Digital Post."
        },
    )
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\+?[0-9]{8,15}$"),
        metadata={"example": "+4512345678"},
    )


class ContactSchema(PreferencesSchema):
    digital_post_exempt = fields.Boolean(
        load_default=False,
        metadata={"description": "Fritaget for Digital Post: letters go on paper."},
    )


class TextSchema(_Strict):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class TemplateTextsSchema(_Strict):
    da = fields.Nested(TextSchema, required=True)
    en = fields.Nested(TextSchema, required=True)


class TemplateVersionSchema(_Strict):
    texts = fields.Nested(TemplateTextsSchema, required=True)


class PreviewSchema(_Strict):
    language = fields.String(load_default="da", validate=validate.OneOf(LANGUAGES))
    values = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        required=True,
        metadata={"example": {"case_number": "2026-000123", "application_title": "Hjælpemidler"}},
    )
    texts = fields.Nested(
        TemplateTextsSchema,
        load_default=None,
        metadata={
            "description": "A draft to preview before saving it; without it, the current version."
        },
    )


class CallbackSchema(_Strict):
    message_id = fields.String(load_default=None, validate=validate.Length(max=36))
    provider_ref = fields.String(load_default=None, validate=validate.Length(max=200))
    status = fields.String(
        required=True,
        validate=validate.OneOf(("delivered", "temporary_failure", "permanent_failure")),
    )
    reason = fields.String(load_default=None, validate=validate.Regexp(r"^[a-z0-9_.]{1,100}$"))


class PersonSchema(_Strict):
    """A person UUID (citizens) or a staff member's id from their organisation; never a CPR."""

    person_id = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Za-z][A-Za-z0-9._-]{0,63}$|^[0-9a-f-]{36}$")
    )


class ForCitizenSchema(_Strict):
    citizen_id = PersonId(load_default=None)


# Response shapes (documentation only: views.py builds them) ---------------------------------


class StatusOut(Schema):
    status = fields.String()
    at = fields.DateTime()
    attempt = fields.Integer()
    reason = fields.String(allow_none=True)


class MessageOut(Schema):
    id = fields.String()
    citizen_id = fields.String()
    recipient_id = fields.String()
    recipient_role = fields.String(metadata={"enum": ["citizen", "proxy", "staff"]})
    channel = fields.String(metadata={"enum": list(CHANNELS)})
    status = fields.String(
        metadata={
            "enum": ["created", "sending", "delivered", "temporary_failure", "permanent_failure"]
        }
    )
    subject = fields.String()
    body = fields.String()
    language = fields.String()
    template_id = fields.String()
    template_version = fields.Integer()
    rule_id = fields.String()
    trigger_type = fields.String()
    fallback_of = fields.String(allow_none=True)
    attempts = fields.Integer()
    reason = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    history = fields.List(fields.Nested(StatusOut))


class MessagesOut(Schema):
    messages = fields.List(fields.Nested(MessageOut))


class LetterOut(Schema):
    id = fields.String(metadata={"description": "The copy shown (the fullest text)."})
    message_ids = fields.List(fields.String(), metadata={"description": "Every channel's copy."})
    citizen_id = fields.String(metadata={"description": "Whom the letter is about."})
    recipient_role = fields.String(metadata={"enum": ["citizen", "proxy"]})
    subject = fields.String()
    body = fields.String()
    language = fields.String()
    channels = fields.List(fields.String(metadata={"enum": list(CHANNELS)}))
    sent_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)


class InboxOut(Schema):
    letters = fields.List(fields.Nested(LetterOut))


class ContactOut(Schema):
    person_id = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    language = fields.String()
    channels = fields.List(fields.String(), allow_none=True)
    digital_post_exempt = fields.Boolean()


class TemplateVersionOut(Schema):
    version = fields.Integer()
    texts = fields.Nested(TemplateTextsSchema)
    created_at = fields.DateTime(allow_none=True)
    created_by = fields.String()


class TemplateOut(Schema):
    id = fields.String()
    fields_ = fields.List(fields.String(), data_key="fields")
    required = fields.List(fields.String())
    current_version = fields.Integer()
    versions = fields.List(fields.Nested(TemplateVersionOut))


class TemplatesOut(Schema):
    templates = fields.List(fields.Nested(TemplateOut))


class PreviewOut(Schema):
    template_id = fields.String()
    version = fields.Integer(allow_none=True)
    language = fields.String()
    subject = fields.String()
    body = fields.String()


class RuleOut(Schema):
    id = fields.String()
    on = fields.String()
    when = fields.Dict()
    recipients = fields.List(fields.String())
    template = fields.String()
    channels = fields.List(fields.String())
    preferences = fields.Boolean()
    fallback = fields.Boolean()
    optional = fields.Boolean()


class RulesOut(Schema):
    rules = fields.List(fields.Nested(RuleOut))
