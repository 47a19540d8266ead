"""Test data builders: events and records made the same way in every test."""

from __future__ import annotations

import itertools
import uuid

from marshmallow import Schema, fields

from kit.events import Actor, Event, encode_event
from schemas.registry import event_type

TEST_EVENT = "dk.selvbetjening.testing.counted.v1"

_sequence = itertools.count()


@event_type(TEST_EVENT)
class CountedSchema(Schema):
    """A test-only event: `n` is a sequence number per key, `label` free text."""

    n = fields.Integer(required=True)
    label = fields.String(load_default="")


def make_actor(**overrides) -> Actor:
    values = {
        "id": "staff-" + uuid.uuid4().hex[:8],
        "type": "staff",
        "channel": "tablet",
        "on_behalf_of": str(uuid.uuid4()),
    }
    values.update(overrides)
    return Actor(**values)


def make_event(key: str | None = None, n: int | None = None, label: str = "", **overrides) -> Event:
    values = {
        "type": TEST_EVENT,
        "source": "/tests",
        "subject": key or "case-" + uuid.uuid4().hex[:8],
        "data": {"n": next(_sequence) if n is None else n, "label": label},
        "actor": make_actor(),
    }
    values.update(overrides)
    return Event(**values)


def make_payload(**kwargs) -> bytes:
    return encode_event(make_event(**kwargs))


def unique(name: str) -> str:
    """Topic and group names unique to one test, so tests never see each other's records."""
    return f"{name}-{uuid.uuid4().hex[:10]}"


def outbox_events(engine, subject: str | None = None) -> list[Event]:
    """The events a service recorded in its outbox (about `subject`), oldest first."""
    from sqlalchemy import select

    from kit.events import decode_event
    from kit.outbox import outbox_table

    with engine.connect() as conn:
        rows = conn.execute(select(outbox_table.c.payload).order_by(outbox_table.c.id))
        events = [decode_event(bytes(row.payload)) for row in rows]
    return [e for e in events if subject in (None, e.subject)]


def make_visit_event(
    staff_id: str, citizen_id: str, starts_at=None, cancelled: bool = False
) -> Event:
    """An appointments-service event of a 45-minute home visit (as a consumer decodes it)."""
    import json
    from datetime import UTC, datetime, timedelta

    from kit.events import decode_event
    from schemas.events.appointments import APPOINTMENT_BOOKED, APPOINTMENT_CANCELLED

    starts = starts_at or datetime.now(UTC).replace(microsecond=0)
    appointment_id = str(uuid.uuid4())
    event = Event(
        type=APPOINTMENT_CANCELLED if cancelled else APPOINTMENT_BOOKED,
        source="/services/appointments",
        subject=appointment_id,
        actor=Actor("planner", "staff", "integration"),
        data={
            "appointment_id": appointment_id,
            "citizen_id": citizen_id,
            "kind": "home_visit",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(minutes=45)).isoformat(),
            "staff_ids": [staff_id],
            "booked_by": "planner",
            "cancelled_by": "planner",
        },
    )
    return decode_event(json.dumps(event.to_dict()))


def make_consent_event(citizen_id: str, purpose: str, case_ref: str | None) -> Event:
    """A consents-service event: the citizen consented to the purpose's whole scope (its data
    and sources, schemas/consent_purposes.py) for 30 days, for `case_ref` or no case; decoded
    as a consumer gets it."""
    import json
    from datetime import UTC, datetime, timedelta

    from kit.events import decode_event
    from schemas.consent_purposes import PURPOSES
    from schemas.events.consents import CONSENT_GIVEN

    now, scope = datetime.now(UTC), PURPOSES[purpose]
    event = Event(
        type=CONSENT_GIVEN,
        source="/services/consents",
        subject=citizen_id,
        actor=Actor(citizen_id, "citizen", "portal"),
        data={
            "consent_id": str(uuid.uuid4()),
            "citizen_id": citizen_id,
            "purpose": purpose,
            "data_categories": list(scope.data_categories),
            "sources": list(scope.sources),
            "recipients": [],
            "case_ref": case_ref,
            "legal_basis": "retssikkerhedsloven § 11 a",
            "text_version": "1",
            "given_at": now.isoformat(),
            "expires_at": (now + timedelta(days=30)).isoformat(),
            "given_by": citizen_id,
            "channel": "portal",
        },
    )
    return decode_event(json.dumps(event.to_dict()))
