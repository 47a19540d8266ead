"""Events of the gateway's audit trail: every read or write of a citizen's personal data.

Subject (and key): the citizen's id (person UUID), so one citizen's trail stays in order.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.registry import event_type

PERSONAL_DATA_ACCESSED = "dk.selvbetjening.audit.personal_data_accessed.v1"


@event_type(PERSONAL_DATA_ACCESSED)
class PersonalDataAccessedSchema(Schema):
    class Meta:
        unknown = "exclude"

    citizen_id = fields.String(required=True)
    actor_id = fields.String(required=True)
    actor_type = fields.String(
        required=True, validate=validate.OneOf(("citizen", "staff", "machine"))
    )
    channel = fields.String(required=True)
    action = fields.String(required=True, validate=validate.OneOf(("read", "write")))
    resource = fields.String(required=True)
    status = fields.Integer(required=True)
    # Staff only: the relation that let them in (kit.policy: assignment, caseload, visit,
    # break_glass); None for citizens, proxies and machines.
    basis = fields.String(load_default=None, allow_none=True)
