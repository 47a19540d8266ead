"""What every service's request schemas share: refusing unknown fields, and person ids."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields


class StrictSchema(Schema):
    """A request body with a field the API does not know is refused, not silently ignored."""

    class Meta:
        unknown = RAISE


class PersonId(fields.UUID):
    """A person UUID, handed on as its canonical string."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))
