"""Writes the insight store as an object-centric event log (OCEL 2.0, JSON and SQLite) and a
flat XES log per application type, pseudonymised with the export's own key.

Incremental: the consumer group takes only new records from the bus, and an export remembers
the last occurrence it wrote, so a second run reports and adds only what is new; the files are
written whole each time from the store (the OCEL 2.0 writers have no append mode), with the same
pseudonyms as before because the export keeps its key. Nothing personal leaves: ids become
keyed pseudonyms, actors are kept only as their kind (citizen, staff, machine, system), and the
store never held names, CPR numbers, addresses or free text (activities.KEPT).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from kit import clock
from services.insight import store
from services.insight.activities import Occurrence
from services.insight.pseudonym import Pseudonymiser, new_key

SCALAR_ATTRIBUTES = (
    "outcome",
    "from_state",
    "to_state",
    "source",
    "purpose",
    "kind",
    "template_id",
)
APPLICATION_EVENT_TYPES = "application."


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    events_total: int
    events_added: int
    objects_total: int
    files: list[str]


def _occurrences(engine: Engine) -> list[tuple[int, Occurrence]]:
    with engine.connect() as conn:
        return list(store.read_after(conn, 0))


def build_tables(
    rows: list[tuple[int, Occurrence]], pseudonym: Pseudonymiser
) -> dict[str, pd.DataFrame]:
    """The OCEL 2.0 tables (pm4py's column names): events, objects, relations, o2o."""
    events, relations, o2o = [], [], []
    objects: dict[str, dict[str, Any]] = {}
    for _, seen in rows:
        eid = pseudonym("event", seen.event_id)
        time = pd.Timestamp(seen.time).tz_convert("UTC").tz_localize(None)
        event = {
            "ocel:eid": eid,
            "ocel:activity": seen.activity,
            "ocel:timestamp": time,
            "channel": seen.channel,
            "actor_type": seen.actor_type,
            "on_behalf": bool(seen.on_behalf_of),
        }
        for name in SCALAR_ATTRIBUTES:
            value = seen.attributes.get(name)
            if value is not None:
                event[name] = str(value)
        if "changed_fields" in seen.attributes:
            event["changed_fields"] = ",".join(seen.attributes["changed_fields"])
        if "amount_ore" in seen.attributes:
            event["amount_ore"] = int(seen.attributes["amount_ore"])
        events.append(event)
        for object_type, ids in seen.objects.items():
            for raw in ids:
                oid = pseudonym(object_type, raw)
                entry = objects.setdefault(oid, {"ocel:oid": oid, "ocel:type": object_type})
                if object_type == "application" and seen.attributes.get("type_id"):
                    entry["type_id"] = seen.attributes["type_id"]
                relations.append(
                    {
                        "ocel:eid": eid,
                        "ocel:activity": seen.activity,
                        "ocel:timestamp": time,
                        "ocel:oid": oid,
                        "ocel:type": object_type,
                        "ocel:qualifier": object_type,
                    }
                )
        citizens = seen.objects.get("citizen", [])
        for object_type in ("application", "consent", "appointment", "message"):
            for raw in seen.objects.get(object_type, []):
                for citizen in citizens:
                    o2o.append((pseudonym(object_type, raw), pseudonym("citizen", citizen), "of"))
        case_ref = seen.attributes.get("case_ref")
        if case_ref:
            for raw in seen.objects.get("consent", []):
                o2o.append((pseudonym("consent", raw), pseudonym("application", case_ref), "for"))
    object_frame = pd.DataFrame(list(objects.values()))
    if "type_id" in object_frame:
        object_frame["type_id"] = object_frame["type_id"].fillna("")
    return {
        "events": pd.DataFrame(events),
        "objects": object_frame,
        "relations": pd.DataFrame(relations),
        "o2o": pd.DataFrame(sorted(set(o2o)), columns=["ocel:oid", "ocel:oid_2", "ocel:qualifier"]),
    }


def to_ocel(tables: dict[str, pd.DataFrame]):
    from pm4py.objects.ocel.obj import OCEL

    return OCEL(
        events=tables["events"],
        objects=tables["objects"],
        relations=tables["relations"],
        o2o=tables["o2o"],
    )


def flat_log(rows: list[tuple[int, Occurrence]], pseudonym: Pseudonymiser) -> pd.DataFrame:
    """One row per application event: the XES case is the application's pseudonym."""
    records = []
    type_of: dict[str, str] = {}
    for _, seen in rows:
        for raw in seen.objects.get("application", []):
            if seen.attributes.get("type_id"):
                type_of.setdefault(raw, seen.attributes["type_id"])
            records.append(
                {
                    "case:concept:name": pseudonym("application", raw),
                    "concept:name": seen.activity,
                    "time:timestamp": pd.Timestamp(seen.time).tz_convert("UTC"),
                    "org:resource": seen.actor_type,
                    "channel": seen.channel,
                    "_raw": raw,
                }
            )
    frame = pd.DataFrame(records)
    if frame.empty:
        return frame
    frame["type_id"] = frame["_raw"].map(type_of).fillna("?")
    return frame.drop(columns="_raw")


def export(engine: Engine, directory: Path, name: str | None = None) -> ExportResult:
    """Write (or bring up to date) the export in `directory`."""
    import pm4py

    directory.mkdir(parents=True, exist_ok=True)
    name = name or str(directory.resolve())
    with engine.begin() as conn:
        state = store.export_state(conn, name)
    key, last_seq = state if state else (new_key(), 0)
    rows = _occurrences(engine)
    added = sum(1 for seq, _ in rows if seq > last_seq)
    files: list[str] = []
    pseudonym = Pseudonymiser(key)
    if rows and (added or not (directory / "ocel.json").exists()):
        tables = build_tables(rows, pseudonym)
        ocel = to_ocel(tables)
        for old in ("ocel.json", "ocel.sqlite"):
            (directory / old).unlink(missing_ok=True)
        pm4py.write_ocel2_json(ocel, str(directory / "ocel.json"))
        pm4py.write_ocel2_sqlite(ocel, str(directory / "ocel.sqlite"))
        files += ["ocel.json", "ocel.sqlite"]
        flat = flat_log(rows, pseudonym)
        for type_id, part in flat.groupby("type_id"):
            xes = directory / f"applications-{type_id}.xes"
            pm4py.write_xes(part.drop(columns="type_id"), str(xes), case_id_key="case:concept:name")
            files.append(xes.name)
        (directory / "manifest.json").write_text(
            json.dumps(
                {
                    "format": "OCEL 2.0 (JSON, SQLite); XES per application type",
                    "events": len(rows),
                    "objects": int(len(tables["objects"])),
                    "pseudonymised": "HMAC-SHA256 with this export's own key (kept by the platform)",
                    "written_at": clock.now().isoformat(),
                },
                indent=2,
            )
        )
        files.append("manifest.json")
        objects_total = int(len(tables["objects"]))
    else:
        objects_total = 0
    with engine.begin() as conn:
        store.save_export_state(conn, name, key, rows[-1][0] if rows else last_seq, clock.now())
    return ExportResult(directory, len(rows), added, objects_total, files)
