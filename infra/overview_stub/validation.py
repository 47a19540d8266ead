"""Strict checks of what the connector sends, modelled on the index's rules.

Every problem has a stable code. Unknown fields are refused, so a document's contents or an
internal note can never slip in under a new name.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

FREMDRIFT = ("Opstaaet", "Oplyst", "Afgjort", "Bestilt", "Udfoert", "Afsluttet")
FOELSOMHED = (
    "IKKE_FORTROLIGE_DATA",
    "FORTROLIGE_PERSONOPLYSNINGER",
    "FOELSOMME_PERSONOPLYSNINGER",
    "VIP_SAGER",
)
DOCUMENT_TYPES = ("Indgaaende", "Udgaaende")
INTERNAL_TYPES = ("InterntNotat", "Internt Notat", "Journalnotat", "internal")
CONTENT_FIELDS = {
    "Indhold",
    "Tekst",
    "Body",
    "Content",
    "content",
    "body",
    "text",
    "Data",
    "Notat",
    "Beskrivelse",
    "Fil",
    "VariantIndhold",
}
CASE_FIELDS = {
    "UUIDIdentifikator",
    "Version",
    "BrugervendtNoegle",
    "Titel",
    "FremdriftStatusKode",
    "Fremdrift",
    "StatusTekst",
    "Foelsomhed",
    "OprettetTidspunkt",
    "PrimaerPart",
    "Ejer",
    "Ansvarlig",
    "PrimaerKlasse",
    "Dokumenter",
}
PAYMENT_FIELDS = {
    "UUIDIdentifikator",
    "Version",
    "SagUUID",
    "BrugervendtNoegle",
    "YdelseNavn",
    "Status",
    "BeloebOere",
    "UdbetalingsDato",
    "Foelsomhed",
    "PrimaerPart",
    "Ejer",
    "PrimaerKlasse",
}
PAYMENT_STATUSES = ("Udbetalt",)
_CPR_URN = re.compile(r"^urn:oio:cpr-nr:(\d{2})(\d{2})(\d{2})(\d{4})$")
_CVR = re.compile(r"^\d{8}$")
_KLE = re.compile(r"^\d{2}(\.\d{2}){0,2}$")


class Invalid(Exception):
    def __init__(self, code: str, field: str, detail: str) -> None:
        super().__init__(f"{code} at {field}: {detail}")
        self.code, self.field, self.detail = code, field, detail

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "detail": self.detail}


def check_case(record_id: str, body: Any) -> dict[str, Any]:
    _object(body, "", CASE_FIELDS, required=CASE_FIELDS)
    _common(record_id, body)
    _text(body, "BrugervendtNoegle", 50)
    _text(body, "Titel", 255)
    _text(body, "StatusTekst", 255, allow_empty=True)
    _one_of(body, "FremdriftStatusKode", FREMDRIFT)
    _timestamp(body, "OprettetTidspunkt")
    history = body["Fremdrift"]
    if not isinstance(history, list) or not history:
        raise Invalid("fremdrift.empty", "Fremdrift", "at least one progress code")
    for i, step in enumerate(history):
        where = f"Fremdrift[{i}]"
        _object(
            step,
            where,
            {"FremdriftStatusKode", "FraTidspunkt", "TilTidspunkt"},
            required={"FremdriftStatusKode", "FraTidspunkt", "TilTidspunkt"},
        )
        _one_of(step, "FremdriftStatusKode", FREMDRIFT, where)
        _timestamp(step, "FraTidspunkt", where)
        if step["TilTidspunkt"] is not None:
            _timestamp(step, "TilTidspunkt", where)
    if history[-1]["FremdriftStatusKode"] != body["FremdriftStatusKode"]:
        raise Invalid(
            "fremdrift.inconsistent",
            "FremdriftStatusKode",
            "the current code must be the last in the history",
        )
    _object(
        body["Ansvarlig"],
        "Ansvarlig",
        {"UUIDIdentifikator", "Navn"},
        required={"UUIDIdentifikator", "Navn"},
    )
    _uuid(body["Ansvarlig"], "UUIDIdentifikator", "Ansvarlig")
    _text(body["Ansvarlig"], "Navn", 255, where="Ansvarlig")
    documents = body["Dokumenter"]
    if not isinstance(documents, list):
        raise Invalid("field.type", "Dokumenter", "a list")
    for i, doc in enumerate(documents):
        _document(doc, f"Dokumenter[{i}]")
    return body


def check_payment(record_id: str, body: Any) -> dict[str, Any]:
    _object(body, "", PAYMENT_FIELDS, required=PAYMENT_FIELDS)
    _common(record_id, body)
    _uuid(body, "SagUUID")
    _text(body, "BrugervendtNoegle", 50)
    _text(body, "YdelseNavn", 255)
    _one_of(body, "Status", PAYMENT_STATUSES)
    amount = body["BeloebOere"]
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Invalid("field.amount", "BeloebOere", "a positive whole number of øre")
    _date(body, "UdbetalingsDato")
    return body


def _common(record_id: str, body: dict[str, Any]) -> None:
    _uuid(body, "UUIDIdentifikator")
    if body["UUIDIdentifikator"] != record_id:
        raise Invalid("field.id_mismatch", "UUIDIdentifikator", "differs from the URL")
    version = body["Version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Invalid("field.version", "Version", "a whole number from 1")
    _one_of(body, "Foelsomhed", FOELSOMHED)
    _cpr(body, "PrimaerPart")
    _object(body["Ejer"], "Ejer", {"CVRNummer", "Navn"}, required={"CVRNummer", "Navn"})
    if not isinstance(body["Ejer"]["CVRNummer"], str) or not _CVR.match(body["Ejer"]["CVRNummer"]):
        raise Invalid("field.cvr", "Ejer.CVRNummer", "eight digits")
    _text(body["Ejer"], "Navn", 255, where="Ejer")
    _object(
        body["PrimaerKlasse"],
        "PrimaerKlasse",
        {"BrugervendtNoegle"},
        required={"BrugervendtNoegle"},
    )
    kle = body["PrimaerKlasse"]["BrugervendtNoegle"]
    if not isinstance(kle, str) or not _KLE.match(kle):
        raise Invalid("field.kle", "PrimaerKlasse.BrugervendtNoegle", "a KLE number, 00.00.00")


def _document(doc: Any, where: str) -> None:
    if isinstance(doc, dict) and doc.get("Type") in INTERNAL_TYPES:
        raise Invalid(
            "document.internal", f"{where}.Type", "internal notes are never shown to citizens"
        )
    fields = {"UUIDIdentifikator", "Titel", "BrevDato", "Type"}
    _object(doc, where, fields, required=fields)
    _uuid(doc, "UUIDIdentifikator", where)
    _text(doc, "Titel", 255, where=where)
    _date(doc, "BrevDato", where)
    _one_of(doc, "Type", DOCUMENT_TYPES, where)


def _object(value: Any, where: str, allowed: set[str], required: set[str]) -> None:
    if not isinstance(value, dict):
        raise Invalid("field.type", where or "(body)", "a JSON object")
    content = sorted(set(value) & CONTENT_FIELDS)
    if content:
        raise Invalid(
            "content.forbidden",
            _at(where, content[0]),
            "contents are never sent to the index, only titles",
        )
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise Invalid("field.unknown", _at(where, unknown[0]), "not part of the record")
    missing = sorted(required - set(value))
    if missing:
        raise Invalid("field.missing", _at(where, missing[0]), "required")


def _text(obj: dict, name: str, limit: int, allow_empty: bool = False, where: str = "") -> None:
    value = obj[name]
    if not isinstance(value, str) or (not value.strip() and not allow_empty):
        raise Invalid("field.text", _at(where, name), "a non-empty string")
    if len(value) > limit:
        raise Invalid("field.too_long", _at(where, name), f"at most {limit} characters")


def _one_of(obj: dict, name: str, allowed: tuple[str, ...], where: str = "") -> None:
    if obj[name] not in allowed:
        raise Invalid("field.code", _at(where, name), f"one of {', '.join(allowed)}")


def _uuid(obj: dict, name: str, where: str = "") -> None:
    try:
        uuid.UUID(str(obj[name]))
    except ValueError:
        raise Invalid("field.uuid", _at(where, name), "a UUID")


def _cpr(obj: dict, name: str) -> None:
    match = _CPR_URN.match(str(obj[name]))
    valid = False
    if match:
        day, month = int(match.group(1)), int(match.group(2))
        valid = 1 <= day <= 31 and 1 <= month <= 12
    if not valid:
        # The detail never repeats the value: it is a CPR number, or close to one.
        raise Invalid("field.cpr", name, "urn:oio:cpr-nr: followed by a valid CPR number")


def _date(obj: dict, name: str, where: str = "") -> None:
    try:
        date.fromisoformat(str(obj[name]))
    except ValueError:
        raise Invalid("field.date", _at(where, name), "a date, YYYY-MM-DD")


def _timestamp(obj: dict, name: str, where: str = "") -> None:
    try:
        parsed = datetime.fromisoformat(str(obj[name]))
    except ValueError:
        raise Invalid("field.timestamp", _at(where, name), "an ISO 8601 time")
    if parsed.tzinfo is None:
        raise Invalid("field.timestamp", _at(where, name), "a time with its UTC offset")


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
