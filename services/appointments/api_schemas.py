"""Request and response shapes of the appointments API (marshmallow; also the source of the
OpenAPI document). Citizens are named by their person UUID, never by CPR number."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates

from kit.request_schemas import PersonId
from kit.request_schemas import StrictSchema as _Strict
from schemas.events.appointments import KINDS
from services.appointments.domain import WEEKDAYS, BookingRules

_CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _texts(**kwargs) -> fields.List:
    kwargs.setdefault("validate", validate.Length(max=30))
    return fields.List(fields.String(validate=validate.Length(min=1, max=300)), **kwargs)


def _staff(**kwargs) -> fields.List:
    kwargs.setdefault("validate", validate.Length(max=10))
    return fields.List(fields.String(validate=validate.Length(min=1, max=64)), **kwargs)


class RulesSchema(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    opening_hours = fields.Dict(
        keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
        values=fields.List(
            fields.List(fields.String(), validate=validate.Length(equal=2)),
            validate=validate.Length(max=6),
        ),
        required=True,
        metadata={
            "description": "Local (Europe/Copenhagen) wall-clock windows",
            "example": {"mon": [["08:00", "15:30"]]},
        },
    )
    duration_minutes = fields.Integer(required=True, validate=validate.Range(5, 720))
    buffer_minutes = fields.Integer(load_default=0, validate=validate.Range(0, 240))
    horizon_days = fields.Integer(load_default=60, validate=validate.Range(1, 366))
    citizen_cutoff_hours = fields.Integer(load_default=24, validate=validate.Range(0, 24 * 14))
    staff_ids = _staff(required=True, validate=validate.Length(min=1, max=50))
    self_bookable = fields.Boolean(load_default=True)
    tasks = _texts(load_default=list)
    location = fields.String(load_default=None, validate=validate.Length(max=300))
    reminder_minutes_before = fields.Integer(
        load_default=None, validate=validate.Range(0, 60 * 24 * 14)
    )
    scheduler_ids = _staff(
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Who plans the service (role scheduler): its unit's planners"},
    )

    @validates("opening_hours")
    def _clock_times(self, value, **_kwargs) -> None:
        for windows in value.values():
            for window in windows:
                if not all(_CLOCK.match(t) for t in window):
                    raise ValidationError("times are HH:MM, 00:00 to 24:00")

    @staticmethod
    def to_rules(service_id: str, body: dict) -> BookingRules:
        return BookingRules(
            service_id=service_id,
            **{
                k: v
                for k, v in body.items()
                if k not in ("opening_hours", "staff_ids", "tasks", "scheduler_ids")
            },
            opening_hours={
                d: tuple((w[0], w[1]) for w in ws) for d, ws in body["opening_hours"].items()
            },
            staff_ids=tuple(body["staff_ids"]),
            tasks=tuple(body["tasks"]),
            scheduler_ids=tuple(body.get("scheduler_ids") or ()),
        )


class SlotQuerySchema(_Strict):
    from_ = fields.Date(
        data_key="from",
        load_default=None,
        metadata={"description": "First local date (default today)"},
    )
    to = fields.Date(load_default=None, metadata={"description": "Last local date (max 31 days)"})


class BookSchema(_Strict):
    citizen_id = PersonId(
        load_default=None,
        metadata={"description": "The citizen's person UUID; proxies and staff must name it."},
    )
    service_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Citizens: required."},
    )
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(
        load_default=None, metadata={"description": "Staff only; default: the service's duration."}
    )
    kind = fields.String(
        load_default=None,
        validate=validate.OneOf(KINDS),
        metadata={"description": "Staff only; default: the service's kind."},
    )
    staff_ids = _staff(
        load_default=None,
        metadata={"description": "Staff only; default: a free staff member of the service."},
    )
    buffer_minutes = fields.Integer(load_default=None, validate=validate.Range(0, 240))
    address = fields.String(
        load_default=None,
        validate=validate.Length(max=300),
        metadata={"description": "Required for home visits."},
    )
    location = fields.String(load_default=None, validate=validate.Length(max=300))
    tasks = _texts(load_default=None, metadata={"description": "What will be done"})
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    citizen_name = fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "Staff only: the citizen's name, shown on the day route"},
    )


class OutcomeSchema(_Strict):
    note = fields.String(
        load_default=None,
        validate=validate.Length(max=1000),
        metadata={"description": "A short note on the visit, kept in its history"},
    )


class MoveSchema(_Strict):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(load_default=None, metadata={"description": "Staff only"})
    staff_ids = _staff(load_default=None, metadata={"description": "Staff only"})
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class CancelSchema(_Strict):
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class ForCitizenSchema(_Strict):
    citizen_id = PersonId(load_default=None)


class RouteQuerySchema(_Strict):
    date = fields.Date(load_default=None, metadata={"description": "Local date; default today"})
    staff_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Schedulers only: another's route"},
    )


# Response shapes (documentation only: the service builds them in views.py) ------------------


class RulesOut(RulesSchema):
    service_id = fields.String()
    time_zone = fields.String(metadata={"example": "Europe/Copenhagen"})


class RulesListOut(Schema):
    services = fields.List(fields.Nested(RulesOut))


class SlotOut(Schema):
    starts_at = fields.String(metadata={"example": "2026-03-30T08:00:00+02:00"})
    ends_at = fields.String()
    free_staff = fields.Integer()


class SlotsOut(Schema):
    service_id = fields.String()
    time_zone = fields.String()
    slots = fields.List(fields.Nested(SlotOut))


class HistoryOut(Schema):
    status = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    staff_ids = fields.List(fields.String())
    at = fields.String()
    by = fields.String()
    by_kind = fields.String()
    on_behalf_of = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class AppointmentOut(Schema):
    id = fields.String()
    citizen_id = fields.String()
    citizen_name = fields.String(allow_none=True)
    kind = fields.String(metadata={"enum": list(KINDS)})
    service_id = fields.String(allow_none=True)
    status = fields.String(
        metadata={"enum": ["booked", "rescheduled", "cancelled", "completed", "no_show"]}
    )
    starts_at = fields.String(metadata={"description": "Europe/Copenhagen, with offset"})
    ends_at = fields.String()
    staff_ids = fields.List(fields.String())
    address = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    tasks = fields.List(fields.String())
    note = fields.String(allow_none=True)
    video_url = fields.String(allow_none=True)
    citizen_may_change_until = fields.String()
    created_at = fields.String()
    updated_at = fields.String()
    history = fields.List(fields.Nested(HistoryOut), metadata={"description": "One only"})


class AppointmentListOut(Schema):
    appointments = fields.List(fields.Nested(AppointmentOut))


class RouteStopOut(Schema):
    appointment_id = fields.String()
    citizen_id = fields.String()
    citizen_name = fields.String(allow_none=True)
    kind = fields.String()
    status = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    address = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    tasks = fields.List(fields.String())
    note = fields.String(allow_none=True)
    video_url = fields.String(allow_none=True)
    colleagues = fields.List(fields.String())


class RouteOut(Schema):
    staff_id = fields.String()
    date = fields.String()
    visits = fields.List(fields.Nested(RouteStopOut))
