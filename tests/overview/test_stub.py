"""The index stub validates strictly, keeps versions straight, shows the borger.dk view and
fails on command."""

from __future__ import annotations

import copy
import time
import uuid

import pytest
import requests

from services.overview import domain
from services.overview.config import ConnectorConfig
from tests.overview.builders import CaseEvents
from tests.overview.test_domain import POLICY, fold


def valid_case() -> dict:
    _, pushes = fold(CaseEvents().full_life())
    return copy.deepcopy([p for p in pushes if p.kind == domain.CASE][-1].payload)


def valid_payment() -> dict:
    _, pushes = fold(CaseEvents().full_life())
    return copy.deepcopy([p for p in pushes if p.kind == domain.PAYMENT][-1].payload)


def test_a_valid_case_is_stored_and_shown_as_the_citizen_would_see_it(stub):
    body = valid_case()
    response = stub.put("sag", body["UUIDIdentifikator"], body)
    assert response.status_code == 200 and response.json() == {"result": "stored"}
    payment = valid_payment()
    payment["SagUUID"] = body["UUIDIdentifikator"]
    assert stub.put("ydelse", payment["UUIDIdentifikator"], payment).status_code == 200
    page = stub.page()
    assert body["Titel"] in page and body["BrugervendtNoegle"] in page
    assert POLICY.status_text["closed"] in page
    assert "Til dig: Afgørelse om hjælpemiddel" in page
    assert "Udbetalt 1.250,00 kr." in page
    assert "4321" not in page  # never the CPR number's last four digits


def test_the_same_version_twice_changes_nothing_and_an_older_one_never_overwrites(stub):
    body = valid_case()
    record_id = body["UUIDIdentifikator"]
    assert stub.put("sag", record_id, body).json()["result"] == "stored"
    assert stub.put("sag", record_id, body).json()["result"] == "unchanged"
    older = {**body, "Version": body["Version"] - 1, "Titel": "Gammel titel"}
    assert stub.put("sag", record_id, older).json()["result"] == "stale"
    assert stub.records()[record_id]["Titel"] == body["Titel"]


def _set(path, value):
    def change(body):
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(key):
    return lambda body: body.pop(key)


INVALID_CASES = {
    "case number over 50": (_set(["BrugervendtNoegle"], "x" * 51), "field.too_long"),
    "title over 255": (_set(["Titel"], "x" * 256), "field.too_long"),
    "empty title": (_set(["Titel"], " "), "field.text"),
    "unknown progress code": (_set(["FremdriftStatusKode"], "Behandles"), "field.code"),
    "unknown code in history": (_set(["Fremdrift", 0, "FremdriftStatusKode"], "Ny"), "field.code"),
    "current code not last in history": (
        _set(["FremdriftStatusKode"], "Opstaaet"),
        "fremdrift.inconsistent",
    ),
    "unknown sensitivity": (_set(["Foelsomhed"], "HEMMELIG"), "field.code"),
    "primary party not a CPR urn": (_set(["PrimaerPart"], "urn:oio:cvr-nr:29189846"), "field.cpr"),
    "CPR with an impossible date": (
        _set(["PrimaerPart"], "urn:oio:cpr-nr:3213801234"),
        "field.cpr",
    ),
    "internal note": (_set(["Dokumenter", 0, "Type"], "InterntNotat"), "document.internal"),
    "document contents": (
        _set(["Dokumenter", 0, "Indhold"], "Kære borger ..."),
        "content.forbidden",
    ),
    "case body field": (_set(["Tekst"], "journalnotat ..."), "content.forbidden"),
    "unknown field": (_set(["Noter"], "x"), "field.unknown"),
    "missing title": (_drop("Titel"), "field.missing"),
    "document title over 255": (_set(["Dokumenter", 0, "Titel"], "x" * 256), "field.too_long"),
    "document without a date": (_set(["Dokumenter", 0, "BrevDato"], "i går"), "field.date"),
    "bad CVR": (_set(["Ejer", "CVRNummer"], "1234"), "field.cvr"),
    "bad KLE": (_set(["PrimaerKlasse", "BrugervendtNoegle"], "hjælp"), "field.kle"),
    "version zero": (_set(["Version"], 0), "field.version"),
    "time without offset": (_set(["OprettetTidspunkt"], "2026-03-01T09:00:00"), "field.timestamp"),
    "not an object": (lambda body: body.clear() or body.update({"x": 1}), "field.unknown"),
}


@pytest.mark.parametrize("name", sorted(INVALID_CASES))
def test_the_stub_rejects_each_kind_of_invalid_case(stub, name):
    change, code = INVALID_CASES[name]
    body = valid_case()
    record_id = body["UUIDIdentifikator"]
    change(body)
    response = stub.put("sag", record_id, body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert stub.records() == {}
    assert "4321" not in response.text


def test_the_stub_rejects_a_record_for_another_url_and_invalid_payments(stub):
    body = valid_case()
    assert stub.put("sag", str(uuid.uuid4()), body).json()["code"] == "field.id_mismatch"
    for change, code in (
        (_set(["BeloebOere"], 12.5), "field.amount"),
        (_set(["Status"], "Bevilget"), "field.code"),
        (_set(["Indhold"], "x"), "content.forbidden"),
    ):
        payment = valid_payment()
        change(payment)
        response = stub.put("ydelse", payment["UUIDIdentifikator"], payment)
        assert response.json()["code"] == code


def test_the_stub_fails_times_out_and_recovers_on_command(stub):
    body = valid_case()
    record_id = body["UUIDIdentifikator"]
    stub.fault("error", status=500, count=2)
    assert [stub.put("sag", record_id, body).status_code for _ in range(3)] == [500, 500, 200]
    stub.fault("timeout", seconds=0.5)
    with pytest.raises(requests.Timeout):
        requests.put(f"{stub.url}/sagsindeks/sager/{record_id}", json=body, timeout=0.1)
    stub.fault("slow", seconds=0.2)
    started = time.monotonic()
    assert stub.put("sag", record_id, body).status_code == 200
    assert time.monotonic() - started >= 0.2
    requests.post(f"{stub.url}/admin/reset", timeout=5)
    assert stub.records() == {} and stub.put("sag", record_id, body).status_code == 200


def test_the_configured_default_municipality_is_accepted_by_the_index(stub, monkeypatch):
    """What `make run` sends with no OVERVIEW_* settings: the connector's own defaults."""
    for name in (
        "OVERVIEW_MUNICIPALITY_CVR",
        "OVERVIEW_MUNICIPALITY_NAME",
        "OVERVIEW_UNIT_UUID",
        "OVERVIEW_UNIT_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    organisation = ConnectorConfig.from_env().organisation
    _, pushes = fold(CaseEvents().full_life(), organisation=organisation)
    for push in pushes:
        response = stub.put(push.kind, push.record_id, push.payload)
        assert response.status_code == 200, response.json()
    assert stub.records()[pushes[0].record_id]["Ejer"]["CVRNummer"] == organisation.cvr
