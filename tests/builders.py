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
    values = {"id": "staff-" + uuid.uuid4().hex[:8], "type": "staff", "channel": "tablet",
              "on_behalf_of": str(uuid.uuid4())}
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
