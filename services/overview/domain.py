"""The connector's rules, pure: fold case events into a record, and map it to index payloads.

A record is a plain JSON-able dict per case, built only from events. `version` counts the
events applied to it, so it only grows. A payload is sent when its content changes; it carries
the version at which it changed, so the index can drop a repeat (same version) or a straggler
(older version). Payloads are full snapshots: the newest one alone is the whole truth.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.events import applications as ev
from services.overview.policies import TypePolicy

CASE = "sag"
PAYMENT = "ydelse"
MAX_CASE_NUMBER = 50  # BrugervendtNoegle
MAX_TITLE = 255  # Titel
# Only letters to or from the citizen are shown; an internal note never enters a record.
DOCUMENT_TYPES = {"incoming": "Indgaaende", "outgoing": "Udgaaende"}
PAYMENT_NAMESPACE = uuid.UUID("6f1f7a52-51e4-4c5e-9a49-3f1b0c7d2e10")
_CPR = re.compile(r"^\d{10}$")


@dataclass(frozen=True)
class Organisation:
    """The owning municipality and the one responsible unit (configuration, not events)."""

    cvr: str
    name: str
    unit_uuid: str
    unit_name: str


@dataclass(frozen=True)
class Push:
    kind: str  # CASE or PAYMENT
    record_id: str
    version: int
    payload: dict[str, Any]


def new_record(application_id: str, type_id: str, citizen_id: str) -> dict[str, Any]:
    return {
        "application_id": application_id,
        "type_id": type_id,
        "citizen_id": citizen_id,
        "citizen_cpr": None,
        "case_number": None,
        "title": None,
        "created_at": None,
        "status_key": None,
        "event_status_text": None,
        "progress": [],
        "documents": [],
        "payments": [],
        "version": 0,
        "published": None,
    }


def status_key(state: str, outcome: str | None) -> str | None:
    """The catalogue's status entry for a state (decided splits by outcome); None for drafts."""
    if state == "draft":
        return None
    return f"decided_{outcome}" if state == "decided" else state


def apply(
    record: dict[str, Any],
    event_type: str,
    data: dict[str, Any],
    at: datetime,
    policy: TypePolicy | None,
    event_id: str = "",
) -> dict[str, Any]:
    """The record after one more event; the input is left untouched."""
    out = copy.deepcopy(record)
    out["version"] += 1
    when = at.isoformat()
    if data.get("case_number"):
        out["case_number"] = data["case_number"]
    if event_type in (ev.CREATED, ev.SUBMITTED, ev.STATUS_CHANGED) and data.get("title"):
        # status_changed carries a title only when a case system renames the case.
        out["title"] = data["title"]
    if event_type == ev.SUBMITTED:
        out["created_at"] = data.get("submitted_at") or when
        if data.get("citizen_cpr"):
            out["citizen_cpr"] = str(data["citizen_cpr"]).replace("-", "")
    elif event_type == ev.STATUS_CHANGED:
        key = status_key(data["to_state"], data.get("outcome"))
        out["status_key"] = key
        out["event_status_text"] = (data.get("status_text") or {}).get("da")
        code = policy.progress.get(key) if policy and key else None
        if code and (not out["progress"] or out["progress"][-1]["code"] != code):
            out["progress"].append({"code": code, "from": when})
    elif event_type == ev.DOCUMENT_ADDED and data["direction"] in DOCUMENT_TYPES:
        out["documents"] = [d for d in out["documents"] if d["id"] != data["document_id"]]
        out["documents"].append(
            {
                "id": data["document_id"],
                "title": data["title"],
                "date": data["document_date"],
                "direction": data["direction"],
            }
        )
    elif event_type == ev.PAID_OUT:
        payment_id = str(uuid.uuid5(PAYMENT_NAMESPACE, f"{record['application_id']}/{event_id}"))
        if all(p["id"] != payment_id for p in out["payments"]):
            out["payments"].append(
                {
                    "id": payment_id,
                    "amount_ore": data["amount_ore"],
                    "paid_on": data["paid_on"],
                    "version": out["version"],
                    "pushed": False,
                }
            )
    return out


def missing_for_index(record: dict[str, Any]) -> list[str]:
    """What the index requires that the record lacks (names only: never the values)."""
    missing = []
    if not record["citizen_cpr"] or not _CPR.match(record["citizen_cpr"]):
        missing.append("citizen")
    if not record["title"]:
        missing.append("title")
    if not record["case_number"] or len(record["case_number"]) > MAX_CASE_NUMBER:
        missing.append("case_number")
    if not record["progress"]:
        missing.append("progress")
    return missing


def may_leave(record: dict[str, Any], policy: TypePolicy | None) -> bool:
    return policy is not None and policy.published and not missing_for_index(record)


def case_content(record: dict[str, Any], policy: TypePolicy, org: Organisation) -> dict[str, Any]:
    """The Sags- og Dokumentindeks record without its version (see docs/overview.md)."""
    progress = record["progress"]
    history = [
        {
            "FremdriftStatusKode": p["code"],
            "FraTidspunkt": p["from"],
            "TilTidspunkt": progress[i + 1]["from"] if i + 1 < len(progress) else None,
        }
        for i, p in enumerate(progress)
    ]
    key = record["status_key"]
    text = policy.status_text.get(key) if key else None
    return {
        "UUIDIdentifikator": record["application_id"],
        "BrugervendtNoegle": record["case_number"],
        "Titel": _clip(record["title"], MAX_TITLE),
        "FremdriftStatusKode": progress[-1]["code"],
        "Fremdrift": history,
        "StatusTekst": _clip(text or record["event_status_text"] or "", MAX_TITLE),
        "Foelsomhed": policy.foelsomhed,
        "OprettetTidspunkt": record["created_at"] or progress[0]["from"],
        "PrimaerPart": primary_party(record["citizen_cpr"]),
        "Ejer": {"CVRNummer": org.cvr, "Navn": org.name},
        "Ansvarlig": {"UUIDIdentifikator": org.unit_uuid, "Navn": org.unit_name},
        "PrimaerKlasse": {"BrugervendtNoegle": policy.kle},
        "Dokumenter": [
            {
                "UUIDIdentifikator": d["id"],
                "Titel": _clip(d["title"], MAX_TITLE),
                "BrevDato": d["date"],
                "Type": DOCUMENT_TYPES[d["direction"]],
            }
            for d in record["documents"]
        ],
    }


def payment_content(
    record: dict[str, Any], payment: dict[str, Any], policy: TypePolicy, org: Organisation
) -> dict[str, Any]:
    """The Ydelsesindeks record of one payment ("Udbetalt"), without its version."""
    return {
        "UUIDIdentifikator": payment["id"],
        "SagUUID": record["application_id"],
        "BrugervendtNoegle": record["case_number"],
        "YdelseNavn": _clip(record["title"], MAX_TITLE),
        "Status": "Udbetalt",
        "BeloebOere": payment["amount_ore"],
        "UdbetalingsDato": payment["paid_on"],
        "Foelsomhed": policy.foelsomhed,
        "PrimaerPart": primary_party(record["citizen_cpr"]),
        "Ejer": {"CVRNummer": org.cvr, "Navn": org.name},
        "PrimaerKlasse": {"BrugervendtNoegle": policy.kle},
    }


def next_pushes(
    record: dict[str, Any], policy: TypePolicy | None, org: Organisation
) -> tuple[dict[str, Any], list[Push]]:
    """What to send after the record changed: the case if its content changed, and any
    payment not yet sent. Returns the record marked as published, and the pushes in order."""
    if policy is None or not may_leave(record, policy):
        return record, []
    out = copy.deepcopy(record)
    pushes = []
    content = case_content(out, policy, org)
    digest = _digest(content)
    if out["published"] is None or out["published"]["digest"] != digest:
        out["published"] = {"version": out["version"], "digest": digest}
        pushes.append(
            Push(
                CASE, out["application_id"], out["version"], {**content, "Version": out["version"]}
            )
        )
    for payment in out["payments"]:
        if not payment["pushed"]:
            payment["pushed"] = True
            pushes.append(_payment_push(out, payment, policy, org))
    return out, pushes


def resync_pushes(
    record: dict[str, Any], policy: TypePolicy | None, org: Organisation
) -> list[Push]:
    """Everything the index should hold for this case now, as the live path last sent it."""
    if policy is None or not may_leave(record, policy) or record["published"] is None:
        return []
    version = record["published"]["version"]
    content = case_content(record, policy, org)
    pushes = [Push(CASE, record["application_id"], version, {**content, "Version": version})]
    pushes += [_payment_push(record, p, policy, org) for p in record["payments"] if p["pushed"]]
    return pushes


def primary_party(cpr: str) -> str:
    return f"urn:oio:cpr-nr:{cpr}"


def _payment_push(
    record: dict[str, Any], payment: dict[str, Any], policy: TypePolicy, org: Organisation
) -> Push:
    content = payment_content(record, payment, policy, org)
    return Push(
        PAYMENT, payment["id"], payment["version"], {**content, "Version": payment["version"]}
    )


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
