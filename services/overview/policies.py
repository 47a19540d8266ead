"""Per application type, what may reach the national index: read from the catalogue's data.

The catalogue (services/applications/catalogue/*.json) is data that both services read, like a
schema; the connector takes only the overview fields and never the applications service's
tables. Unknown codes make the connector refuse to start, as the catalogue itself does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit.config import REPO_ROOT

CATALOGUE_DIR = REPO_ROOT / "services" / "applications" / "catalogue"

# Our sensitivity classes -> SF1470 Foelsomhed (enum FoelsomhedType of the OIO index schemas).
FOELSOMHED = {
    "ikke_fortrolig": "IKKE_FORTROLIGE_DATA",
    "fortrolig": "FORTROLIGE_PERSONOPLYSNINGER",
    "saerligt_foelsom": "FOELSOMME_PERSONOPLYSNINGER",
}
FREMDRIFT_CODES = ("Opstaaet", "Oplyst", "Afgjort", "Afsluttet")


class PolicyError(Exception):
    """A catalogue file whose overview fields the connector cannot use."""


@dataclass(frozen=True)
class TypePolicy:
    type_id: str
    published: bool
    foelsomhed: str
    kle: str
    progress: Mapping[str, str] = field(default_factory=dict)  # status key -> Fremdrift code
    status_text: Mapping[str, str] = field(default_factory=dict)  # status key -> Danish text


def policy_from_definition(definition: Mapping[str, Any]) -> TypePolicy:
    type_id = definition.get("id", "?")
    sensitivity = definition.get("sensitivity")
    if sensitivity not in FOELSOMHED:
        raise PolicyError(f"{type_id}: unknown sensitivity {sensitivity!r}")
    progress, texts = {}, {}
    for status in definition.get("statuses", []):
        code = status.get("overview_progress")
        if code not in FREMDRIFT_CODES:
            raise PolicyError(f"{type_id}: state {status.get('state')} has progress {code!r}")
        progress[status["state"]] = code
        texts[status["state"]] = status["text"]["da"]
    return TypePolicy(
        type_id=type_id,
        published=bool(definition.get("published_to_overview")),
        foelsomhed=FOELSOMHED[sensitivity],
        kle=str(definition.get("kle", "")),
        progress=progress,
        status_text=texts,
    )


def load_policies(directory: Path | None = None) -> dict[str, TypePolicy]:
    directory = directory or Path(os.environ.get("OVERVIEW_CATALOGUE_DIR", CATALOGUE_DIR))
    policies = {}
    for path in sorted(directory.glob("*.json")):
        policy = policy_from_definition(json.loads(path.read_text(encoding="utf-8")))
        policies[policy.type_id] = policy
    return policies
