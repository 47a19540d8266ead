"""The flat log the analyses read: one row per occurrence, tied to the application it concerns
(directly, through a consent's case, or through the event that caused a message)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from services.insight.activities import Occurrence

COLUMNS = [
    "event_id",
    "activity",
    "time",
    "application",
    "type_id",
    "citizen",
    "channel",
    "actor_type",
    "on_behalf",
    "from_state",
    "to_state",
    "changed_fields",
    "source",
    "consent",
    "outcome",
    "template_id",
]


def _first(objects: dict[str, list[str]], kind: str) -> str | None:
    ids = objects.get(kind) or []
    return ids[0] if ids else None


def build_log(occurrences: Iterable[Occurrence]) -> pd.DataFrame:
    rows = []
    application_of_event: dict[str, str] = {}
    type_of_application: dict[str, str] = {}
    pending: list[dict] = []
    for seen in occurrences:
        attributes = seen.attributes
        application = _first(seen.objects, "application")
        if application is None and seen.event_type.startswith("consent."):
            application = attributes.get("case_ref")
        row = {
            "event_id": seen.event_id,
            "activity": seen.activity,
            "time": pd.Timestamp(seen.time).tz_convert("UTC")
            if pd.Timestamp(seen.time).tzinfo
            else pd.Timestamp(seen.time, tz="UTC"),
            "application": application,
            "type_id": attributes.get("type_id"),
            "citizen": _first(seen.objects, "citizen"),
            "channel": seen.channel,
            "actor_type": seen.actor_type,
            "on_behalf": bool(seen.on_behalf_of),
            "from_state": attributes.get("from_state"),
            "to_state": attributes.get("to_state"),
            "changed_fields": list(attributes.get("changed_fields") or []),
            "source": attributes.get("source"),
            "consent": _first(seen.objects, "consent"),
            "outcome": attributes.get("outcome"),
            "template_id": attributes.get("template_id"),
            "_trigger": attributes.get("trigger_event_id"),
        }
        if application:
            application_of_event[seen.event_id] = application
            if row["type_id"]:
                type_of_application.setdefault(application, row["type_id"])
        rows.append(row)
        if row["_trigger"] and not application:
            pending.append(row)
    for row in pending:  # a message belongs to the application whose event caused it
        row["application"] = application_of_event.get(row["_trigger"])
    for row in rows:
        if row["application"] and not row["type_id"]:
            row["type_id"] = type_of_application.get(row["application"])
        del row["_trigger"]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if frame.empty:
        frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


def applications(log: pd.DataFrame) -> pd.DataFrame:
    """One row per application: its type, citizen, creation and channel of creation."""
    created = log[log["activity"] == "application created"]
    return (
        created[["application", "type_id", "citizen", "time", "channel", "actor_type"]]
        .rename(columns={"time": "created_at"})
        .drop_duplicates("application")
        .set_index("application")
    )
