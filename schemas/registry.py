"""Which event types exist, and the marshmallow schema each one's data must match."""

from __future__ import annotations

from collections.abc import Iterator

from marshmallow import Schema


class EventTypeRegistry:
    def __init__(self) -> None:
        self._schemas: dict[str, type[Schema]] = {}

    def register(self, event_type: str, schema: type[Schema]) -> type[Schema]:
        existing = self._schemas.get(event_type)
        if existing is not None and existing is not schema:
            raise ValueError(f"event type {event_type} is already registered")
        self._schemas[event_type] = schema
        return schema

    def schema_for(self, event_type: str) -> type[Schema] | None:
        return self._schemas.get(event_type)

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._schemas

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._schemas))


# The one registry services and consumers use. Each service's event module registers its
# types on import (schemas/events/<service>.py).
registry = EventTypeRegistry()


def event_type(name: str):
    """Class decorator: `@event_type("dk.selvbetjening.x.happened.v1") class XSchema(Schema)`."""

    def decorate(schema: type[Schema]) -> type[Schema]:
        return registry.register(name, schema)

    return decorate
