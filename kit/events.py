"""Creating, encoding and decoding event envelopes; every event is checked against its schema."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError

import schemas.events  # noqa: F401 - registers every event type before anything decodes
from kit import clock, tracing
from kit.logging import correlation_id_var
from schemas.envelope import SPECVERSION, EnvelopeSchema
from schemas.registry import EventTypeRegistry, registry

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class InvalidEvent(Exception):
    """An event that does not match the envelope or its type's schema. Never retried."""

    def __init__(self, code: str, detail: str, errors: Any = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.errors = errors


@dataclass(frozen=True)
class Actor:
    id: str
    type: str  # citizen, staff, machine, system
    channel: str  # portal, tablet, integration, system
    on_behalf_of: str | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(id=name, type="system", channel="system")


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    data: dict[str, Any]
    actor: Actor
    subject: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=clock.now)
    correlation_id: str = ""
    causation_id: str | None = None
    # The trace context the fact arose in (kit.tracing); the relay continues it on the bus.
    # None: take the current one; "": none (a decoded event keeps what it carried).
    traceparent: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.correlation_id:
            # Inside a request or a consumer, the fact belongs to that correlation (kit.web and
            # kit.consumer set it); a fact with no cause of its own starts its own.
            object.__setattr__(self, "correlation_id", correlation_id_var.get() or self.id)
        if self.traceparent is None:
            object.__setattr__(self, "traceparent", tracing.current_traceparent())

    @property
    def key(self) -> str:
        """Kafka key: the aggregate the event is about, so one case's events stay in order."""
        return self.subject or self.id

    def caused_by(self, cause: Event) -> Event:
        return replace(self, correlation_id=cause.correlation_id, causation_id=cause.id)

    def to_dict(self) -> dict[str, Any]:
        document = self._attributes()
        if self.traceparent:
            document["traceparent"] = self.traceparent
        return document

    def _attributes(self) -> dict[str, Any]:
        return {
            "specversion": SPECVERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time.isoformat(),
            "subject": self.subject,
            "datacontenttype": "application/json",
            "data": self.data,
            "correlationid": self.correlation_id,
            "causationid": self.causation_id,
            "actorid": self.actor.id,
            "actortype": self.actor.type,
            "onbehalfof": self.actor.on_behalf_of,
            "channel": self.actor.channel,
        }


def validate_event(event: Event, types: EventTypeRegistry = registry) -> Event:
    """Raise InvalidEvent unless the envelope and the data match their schemas."""
    decode_event(encode_unchecked(event), types)
    return event


def encode_event(event: Event, types: EventTypeRegistry = registry) -> bytes:
    """The event as JSON, once it has been validated as its consumers will read it (the same
    bytes are checked and returned: one encoding, not two)."""
    raw = encode_unchecked(event)
    decode_event(raw, types)
    return raw


def encode_unchecked(event: Event) -> bytes:
    return json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


_LOADERS: dict[type[Schema], Schema] = {}


def _loader(schema: type[Schema]) -> Schema:
    """One instance per schema, shared by every thread: building a marshmallow schema cost
    more than loading with it (issue 18's profile of the gateway's audit events). `load`
    keeps no state on the instance."""
    loader = _LOADERS.get(schema)
    if loader is None:
        loader = _LOADERS.setdefault(schema, schema())
    return loader


def decode_event(raw: bytes | str, types: EventTypeRegistry = registry) -> Event:
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidEvent("event.not_json", f"not a JSON document: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidEvent("event.not_an_object", "the envelope must be a JSON object")
    try:
        envelope = _loader(EnvelopeSchema).load(document)
    except ValidationError as exc:
        raise InvalidEvent("event.invalid_envelope", "the envelope is invalid", exc.messages)
    schema = types.schema_for(envelope["type"])
    if schema is None:
        raise InvalidEvent("event.unknown_type", f"unknown event type {envelope['type']}")
    try:
        data = _loader(schema).load(envelope["data"])
    except ValidationError as exc:
        raise InvalidEvent(
            "event.invalid_data", f"data does not match {envelope['type']}", exc.messages
        )
    return Event(
        type=envelope["type"],
        source=envelope["source"],
        # Keep the data as sent (JSON types), not marshmallow's loaded Python objects, so
        # handlers see exactly what producers wrote; validation is what we needed.
        data=document["data"] if isinstance(data, dict) else data,
        actor=Actor(
            id=envelope["actorid"],
            type=envelope["actortype"],
            channel=envelope["channel"],
            on_behalf_of=envelope["onbehalfof"],
        ),
        subject=envelope["subject"],
        id=envelope["id"],
        time=envelope["time"].astimezone(UTC),
        correlation_id=envelope["correlationid"],
        causation_id=envelope["causationid"],
        traceparent=envelope["traceparent"] or "",
    )
