"""The event envelope: CloudEvents 1.0 plus correlation, causation and actor attributes.

Extension attribute names follow the CloudEvents rule (lower-case letters and digits only) and
their values are strings, so the envelope stays valid CloudEvents in structured JSON mode:

- correlationid: the id shared by everything caused by one request
- causationid:   the id of the event (or request) that directly caused this one
- actorid / actortype: who acted (a person's UUID or a client id; never a CPR number)
- onbehalfof:    the citizen the actor acted for (UUID), when not themselves
- channel:       portal, tablet, integration or system
- traceparent:   the W3C trace context in which the event arose (CloudEvents' distributed
                 tracing extension); optional, never personal data
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

SPECVERSION = "1.0"
ACTOR_TYPES = ("citizen", "staff", "machine", "system")
CHANNELS = ("portal", "tablet", "integration", "system")
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
# e.g. dk.selvbetjening.application.submitted.v1: reverse domain, aggregate, fact, version.
EVENT_TYPE_PATTERN = r"^dk\.selvbetjening(\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*$"


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True

    specversion = fields.String(required=True, validate=validate.Equal(SPECVERSION))
    id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    source = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.Regexp(EVENT_TYPE_PATTERN))
    time = fields.AwareDateTime(required=True, format="iso")
    subject = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    datacontenttype = fields.String(
        load_default="application/json", validate=validate.Equal("application/json")
    )
    data = fields.Dict(required=True)
    correlationid = fields.String(required=True, validate=validate.Length(min=1, max=100))
    causationid = fields.String(load_default=None, allow_none=True)
    actorid = fields.String(required=True, validate=validate.Length(min=1, max=200))
    actortype = fields.String(required=True, validate=validate.OneOf(ACTOR_TYPES))
    onbehalfof = fields.String(load_default=None, allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    traceparent = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(TRACEPARENT_PATTERN)
    )
