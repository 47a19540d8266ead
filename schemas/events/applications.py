"""Events of the applications service: one per fact in an application's life.

Subject (and Kafka key) of every event: the application id, so one case's events stay in
order. `citizen_id` is the citizen's person UUID (never the CPR number). Answers themselves are
not in the events (only which fields changed): the application's content stays in its service.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.registry import event_type

CREATED = "dk.selvbetjening.application.created.v1"
UPDATED = "dk.selvbetjening.application.updated.v1"
SUBMITTED = "dk.selvbetjening.application.submitted.v1"
STATUS_CHANGED = "dk.selvbetjening.application.status_changed.v1"
INFORMATION_REQUESTED = "dk.selvbetjening.application.information_requested.v1"
DOCUMENT_ADDED = "dk.selvbetjening.application.document_added.v1"
DECIDED = "dk.selvbetjening.application.decided.v1"
PAID_OUT = "dk.selvbetjening.application.paid_out.v1"
WITHDRAWN = "dk.selvbetjening.application.withdrawn.v1"
DATA_FETCHED = "dk.selvbetjening.application.data_fetched.v1"
ASSIGNED = "dk.selvbetjening.application.assigned.v1"
NOTE_ADDED = "dk.selvbetjening.application.note_added.v1"

DIRECTIONS = ("incoming", "outgoing", "internal")


class _Base(Schema):
    class Meta:
        unknown = "exclude"

    application_id = fields.String(required=True)
    citizen_id = fields.String(required=True)
    type_id = fields.String(required=True)


@event_type(CREATED)
class CreatedSchema(_Base):
    title = fields.String(required=True)
    channel = fields.String(required=True)


@event_type(UPDATED)
class UpdatedSchema(_Base):
    changed_fields = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)


@event_type(SUBMITTED)
class SubmittedSchema(_Base):
    """`citizen_cpr` is here for one consumer only: the Mit Overblik connector, whose index
    names the citizen as urn:oio:cpr-nr:<cpr>. Never a key, never logged."""

    case_number = fields.String(required=True, validate=validate.Length(max=50))
    citizen_cpr = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{10}$")
    )
    title = fields.String(required=True, validate=validate.Length(max=255))
    submitted_at = fields.AwareDateTime(required=True)
    warnings = fields.List(fields.String(), load_default=list)
    # Co-service: the staff member who attests that the citizen confirmed it, and when.
    attested_by = fields.String(load_default=None, allow_none=True)
    citizen_confirmed_at = fields.AwareDateTime(load_default=None, allow_none=True)


@event_type(STATUS_CHANGED)
class StatusChangedSchema(_Base):
    case_number = fields.String(required=True, allow_none=True)
    from_state = fields.String(required=True)
    to_state = fields.String(required=True)
    outcome = fields.String(load_default=None, allow_none=True)
    status_text = fields.Dict(load_default=None, allow_none=True)  # the citizen's {da, en}
    title = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=255)
    )  # the case title as it is now
    notify_citizen = fields.Boolean(required=True)
    reason = fields.String(load_default=None, allow_none=True)


@event_type(INFORMATION_REQUESTED)
class InformationRequestedSchema(_Base):
    case_number = fields.String(required=True)
    deadline = fields.Date(required=True)
    message = fields.String(required=True)


@event_type(DOCUMENT_ADDED)
class DocumentAddedSchema(_Base):
    document_id = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(max=255))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    document_date = fields.Date(required=True)


@event_type(DECIDED)
class DecidedSchema(_Base):
    case_number = fields.String(required=True)
    outcome = fields.String(
        required=True, validate=validate.OneOf(("granted", "partly_granted", "refused"))
    )
    letter_document_id = fields.String(required=True)
    granted_amount_ore = fields.Integer(load_default=None, allow_none=True)


@event_type(PAID_OUT)
class PaidOutSchema(_Base):
    case_number = fields.String(required=True)
    amount_ore = fields.Integer(required=True, validate=validate.Range(min=1))
    paid_on = fields.Date(required=True)
    # Monthly benefits pay more than once: each payment is its own event (and id).
    payment_id = fields.String(load_default=None, allow_none=True)
    period = fields.String(load_default=None, allow_none=True)  # YYYY-MM


@event_type(WITHDRAWN)
class WithdrawnSchema(_Base):
    case_number = fields.String(required=True, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)


@event_type(DATA_FETCHED)
class DataFetchedSchema(_Base):
    fetch_id = fields.String(required=True)
    source = fields.String(required=True)
    consent_id = fields.String(required=True)


@event_type(ASSIGNED)
class AssignedSchema(_Base):
    """A caseworker claimed the case, or was given it (None: back to the unit's queue)."""

    case_number = fields.String(required=True, allow_none=True)
    assignee_id = fields.String(required=True, allow_none=True)
    previous_assignee_id = fields.String(load_default=None, allow_none=True)


@event_type(NOTE_ADDED)
class NoteAddedSchema(_Base):
    """An internal note was written. Its text never leaves the service (nor the municipality):
    no event, no overview push, no message carries it."""

    note_id = fields.String(required=True)
