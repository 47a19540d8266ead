"""Events of the notifications service: one per state change of a message to a person.

Subject (and Kafka key) of every event: the citizen the message is about (person UUID), so
one citizen's messages keep their order. The events never carry a message's contents or the
recipient's contact details: only which template went to whom, on which channel, and when.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.registry import event_type

MESSAGE_CREATED = "dk.selvbetjening.notification.created.v1"
MESSAGE_SENDING = "dk.selvbetjening.notification.sending.v1"
MESSAGE_DELIVERED = "dk.selvbetjening.notification.delivered.v1"
MESSAGE_FAILED = "dk.selvbetjening.notification.failed.v1"

CHANNELS = ("digital_post", "letter", "sms", "email")
RECIPIENT_ROLES = ("citizen", "proxy", "staff")
STATUSES = ("created", "sending", "delivered", "temporary_failure", "permanent_failure")


class _Message(Schema):
    class Meta:
        unknown = "exclude"

    message_id = fields.String(required=True)
    citizen_id = fields.String(required=True)  # whom the message is about
    recipient_id = fields.String(required=True)  # the citizen, a proxy or a staff member
    recipient_role = fields.String(required=True, validate=validate.OneOf(RECIPIENT_ROLES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    template_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    at = fields.AwareDateTime(required=True)


@event_type(MESSAGE_CREATED)
class MessageCreatedSchema(_Message):
    """A rule turned an event into a message for one recipient on one channel."""

    rule_id = fields.String(required=True)
    trigger_event_id = fields.String(required=True)
    trigger_type = fields.String(required=True)
    template_version = fields.Integer(required=True)
    language = fields.String(required=True, validate=validate.OneOf(("da", "en")))
    fallback_of = fields.String(load_default=None, allow_none=True)
    not_before = fields.AwareDateTime(load_default=None, allow_none=True)  # SMS quiet hours


@event_type(MESSAGE_SENDING)
class MessageSendingSchema(_Message):
    """The message was handed to its provider (attempt counts from 1)."""

    attempt = fields.Integer(required=True)
    provider = fields.String(required=True)


@event_type(MESSAGE_DELIVERED)
class MessageDeliveredSchema(_Message):
    """The provider confirmed delivery (to the mailbox, phone, inbox, or the print service)."""

    provider = fields.String(required=True)


@event_type(MESSAGE_FAILED)
class MessageFailedSchema(_Message):
    """A temporary failure (retried at `retry_at`) or a permanent one (with `fallback_to`)."""

    permanent = fields.Boolean(required=True)
    reason = fields.String(required=True)  # a code, never personal data
    attempt = fields.Integer(required=True)
    retry_at = fields.AwareDateTime(load_default=None, allow_none=True)
    fallback_to = fields.String(load_default=None, allow_none=True)
