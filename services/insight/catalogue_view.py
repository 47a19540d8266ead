"""What the analyses need from the application catalogue (steps, fields, fetches, titles),
read from the catalogue's published JSON documents: the catalogue is data shared by deployment,
not code, so this service never imports another service."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from kit.config import REPO_ROOT

DEFAULT_DIR = REPO_ROOT / "services" / "applications" / "catalogue"


@dataclass(frozen=True)
class CatalogueView:
    titles: dict[str, dict[str, str]]
    steps: dict[str, list[tuple[str, list[str]]]]
    step_titles: dict[str, dict[str, dict[str, str]]]
    fetchable: dict[str, set[str]]
    field_labels: dict[str, dict[str, dict[str, str]]]

    @classmethod
    def load(cls, directory: Path | None = None) -> CatalogueView:
        folder = directory or Path(os.environ.get("SB_INSIGHT_CATALOGUE_DIR", DEFAULT_DIR))
        titles, steps, step_titles, fetchable, labels = {}, {}, {}, {}, {}
        for path in sorted(folder.glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            type_id = document["id"]
            titles[type_id] = document["title"]
            steps[type_id] = [
                (step["id"], [f["id"] for f in step["fields"]]) for step in document["steps"]
            ]
            step_titles[type_id] = {step["id"]: step["title"] for step in document["steps"]}
            labels[type_id] = {
                f["id"]: f["label"] for step in document["steps"] for f in step["fields"]
            }
            fetchable[type_id] = {
                name
                for fetch in document.get("data_fetch", [])
                for name in fetch.get("fills_fields", [])
            }
        return cls(titles, steps, step_titles, fetchable, labels)
