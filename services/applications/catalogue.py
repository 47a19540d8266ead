"""The catalogue of application types: data files (catalogue/*.json), validated strictly on load.

A type says what the form asks (steps and fields), which attachments it wants, the declarative
guidance rules, the dated thresholds those rules compare against, the data that may be fetched
with consent, and the text the citizen sees in each lifecycle state. Nothing here is code: a
municipality changes amounts or texts by editing data, with a date from which they apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from services.applications.catalogue_format import (
    STATES_WITH_TEXT,
    ApplicationTypeSchema,
    CatalogueError,
    condition_references,
)

__all__ = ["STATES_WITH_TEXT", "ApplicationType", "Catalogue", "CatalogueError", "parse_type"]

CATALOGUE_DIR = Path(__file__).parent / "catalogue"


@dataclass(frozen=True)
class ApplicationType:
    definition: dict[str, Any]

    @property
    def id(self) -> str:
        return self.definition["id"]

    @property
    def title(self) -> dict[str, str]:
        return self.definition["title"]

    @cached_property
    def fields(self) -> dict[str, dict[str, Any]]:
        return {f["id"]: f for step in self.definition["steps"] for f in step["fields"]}

    @cached_property
    def attachments(self) -> dict[str, dict[str, Any]]:
        return {a["id"]: a for a in self.definition["attachments"]}

    @property
    def rules(self) -> list[dict[str, Any]]:
        return self.definition["rules"]

    @cached_property
    def data_fetches(self) -> dict[str, dict[str, Any]]:
        return {d["id"]: d for d in self.definition["data_fetch"]}

    def status(self, state: str) -> dict[str, Any]:
        return next(s for s in self.definition["statuses"] if s["state"] == state)

    def threshold(self, name: str, on: date) -> float:
        """The value in force on `on`: the latest entry whose valid_from is not after it."""
        entries = sorted(self.definition["thresholds"][name], key=lambda t: t["valid_from"])
        in_force = [t for t in entries if t["valid_from"] <= on]
        if not in_force:
            raise LookupError(f"threshold {name} of {self.id} has no value on {on}")
        return float(in_force[-1]["value"])


def parse_type(document: dict[str, Any], source: str = "<data>") -> ApplicationType:
    try:
        definition = ApplicationTypeSchema().load(document)
    except ValidationError as exc:
        raise CatalogueError(f"{source}: {exc.messages}") from exc
    app_type = ApplicationType(definition)
    problems = []
    field_ids = [f["id"] for step in definition["steps"] for f in step["fields"]]
    if len(field_ids) != len(set(field_ids)):
        problems.append("field ids repeat")
    states = [s["state"] for s in definition["statuses"]]
    if sorted(states) != sorted(STATES_WITH_TEXT):
        problems.append(f"statuses must name each of {STATES_WITH_TEXT} once, got {states}")
    conditions = [r["when"] for r in definition["rules"]]
    conditions += [f["visible_when"] for f in app_type.fields.values() if f["visible_when"]]
    conditions += [a["required_when"] for a in definition["attachments"] if a["required_when"]]
    for condition in conditions:
        f, a, t = condition_references(condition)
        problems += [f"unknown field {x}" for x in f - set(app_type.fields)]
        problems += [f"unknown attachment {x}" for x in a - set(app_type.attachments)]
        problems += [f"unknown threshold {x}" for x in t - set(definition["thresholds"])]
    for rule in definition["rules"]:
        if rule["field"] and rule["field"] not in app_type.fields:
            problems.append(f"rule {rule['code']} names unknown field {rule['field']}")
    for fetch in definition["data_fetch"]:
        problems += [
            f"fetch {fetch['id']} fills unknown field {x}"
            for x in fetch["fills_fields"]
            if x not in app_type.fields
        ]
    if problems:
        raise CatalogueError(f"{source}: " + "; ".join(sorted(set(problems))))
    return app_type


class Catalogue:
    def __init__(self, types: dict[str, ApplicationType]) -> None:
        self._types = types

    @classmethod
    def load(cls, directory: Path = CATALOGUE_DIR) -> Catalogue:
        types = {}
        for path in sorted(directory.glob("*.json")):
            app_type = parse_type(json.loads(path.read_text(encoding="utf-8")), path.name)
            if app_type.id != path.stem:
                raise CatalogueError(f"{path.name}: id {app_type.id!r} differs from file name")
            types[app_type.id] = app_type
        return cls(types)

    def get(self, type_id: str) -> ApplicationType | None:
        return self._types.get(type_id)

    def __iter__(self):
        return iter(self._types.values())

    def __len__(self) -> int:
        return len(self._types)


def check_fetches(catalogue: Catalogue, sources: Iterable[str], purposes: dict) -> None:
    """Every fetch the catalogue names must be able to succeed: its consent purpose exists and
    covers the fetch's data and source, and a source adapter is configured. The service refuses
    to start otherwise (a gate that can never open is a broken gate, not a safe one)."""
    available, problems = set(sources), []
    for app_type in catalogue:
        for fetch in app_type.data_fetches.values():
            where = f"{app_type.id}: fetch {fetch['id']}"
            purpose = purposes.get(fetch["purpose"])
            if purpose is None:
                problems.append(f"{where} names unknown consent purpose {fetch['purpose']}")
            else:
                if fetch["source"] not in purpose.sources:
                    problems.append(
                        f"{where}: purpose {fetch['purpose']} has no source {fetch['source']}"
                    )
                missing = sorted(set(fetch["data_categories"]) - set(purpose.data_categories))
                if missing:
                    problems.append(f"{where}: purpose {fetch['purpose']} does not cover {missing}")
            if fetch["source"] not in available:
                problems.append(f"{where}: no adapter for source {fetch['source']}")
    if problems:
        raise CatalogueError("; ".join(problems))
