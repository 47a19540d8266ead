"""An AsyncAPI 3.0 document for the events, generated from the registered marshmallow schemas."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

import schemas.events  # noqa: F401 - registers every event type
from schemas.envelope import EnvelopeSchema
from schemas.registry import registry


def _component_name(event_type: str) -> str:
    # dk.selvbetjening.application.submitted.v1 -> ApplicationSubmittedV1
    parts = event_type.split(".")[2:]
    return "".join(p.replace("_", " ").title().replace(" ", "") for p in parts)


def topic_of(event_type: str) -> str:
    aggregate = event_type.split(".")[2]
    return {
        "application": "applications",
        "consent": "consents",
        "proxy": "consents",
        "audit": "audit",
        "notification": "notifications",
        "appointment": "appointments",
    }.get(aggregate, aggregate + "s")


def build_asyncapi() -> dict[str, Any]:
    spec = APISpec(
        title="events", version="1", openapi_version="3.1.0", plugins=[MarshmallowPlugin()]
    )
    spec.components.schema("Envelope", schema=EnvelopeSchema)
    for event_type in registry:
        if event_type.split(".")[2] == "testing":
            continue
        spec.components.schema(
            _component_name(event_type) + "Data", schema=registry.schema_for(event_type)
        )
    schemas_ = spec.to_dict()["components"]["schemas"]
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type in registry:
        if event_type.split(".")[2] == "testing":
            continue
        name = _component_name(event_type)
        messages[name] = {
            "name": event_type,
            "contentType": "application/cloudevents+json",
            "summary": (registry.schema_for(event_type).__doc__ or "").strip() or event_type,
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/Envelope"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": event_type},
                            "data": {"$ref": f"#/components/schemas/{name}Data"},
                        },
                    },
                ]
            },
        }
        channel = channels.setdefault(
            topic_of(event_type),
            {
                "address": topic_of(event_type),
                "description": "Kafka topic; the record key is the event's subject (the "
                "aggregate id), so one aggregate's events keep their order.",
                "messages": {},
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Selvbetjening events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 (structured JSON mode) with correlationid, "
            "causationid, actorid, actortype, onbehalfof and channel.",
        },
        "channels": channels,
        "components": {"schemas": schemas_, "messages": messages},
    }
