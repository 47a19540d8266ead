"""Resync, full and after our own outage (`--skip-acknowledged`), on each database; and the
operator command that starts it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from services.overview import cli, store
from tests.overview.builders import ORG, CaseEvents


def _acknowledged(connector) -> dict[tuple[str, str], int]:
    with connector.engine.connect() as conn:
        rows = conn.execute(select(store.acknowledged)).all()
    return {(row.kind, row.record_id): row.version for row in rows}


def _lived(connector, count: int = 3) -> list[CaseEvents]:
    cases = [CaseEvents() for _ in range(count)]
    for case in cases:
        connector.deliver(*case.full_life())
    connector.push_all()
    return cases


def test_what_the_index_stored_is_remembered_with_its_version(connector, stub):
    cases = _lived(connector, 2)
    held = {
        (kind, rid): body["Version"]
        for kind in ("sag", "ydelse")
        for rid, body in stub.records(kind).items()
    }
    assert _acknowledged(connector) == held and len(held) == 4  # 2 cases + 2 payments
    assert {rid for kind, rid in held if kind == "sag"} == {c.application_id for c in cases}


def test_after_our_own_outage_only_what_the_index_does_not_hold_as_it_is_goes_again(
    connector, stub
):
    kept, changed = _lived(connector, 2)
    # Our outage: a change was taken in, and its queued push lost before the index had it.
    connector.deliver(changed.document("Afgørelse om klage"))
    with connector.engine.begin() as conn:
        assert conn.execute(delete(store.pending)).rowcount == 1
    before = len(stub.received())

    count = connector.service.resync(connector.engine, page=1, skip_acknowledged=True)

    assert (count.queued, count.skipped) == (1, 3)  # the renamed case; 1 case + 2 payments left out
    connector.push_all()
    fresh = stub.received()[before:]
    assert [(e["id"], e["result"]) for e in fresh] == [(changed.application_id, "stored")]
    letters = [d["Titel"] for d in stub.records()[changed.application_id]["Dokumenter"]]
    assert "Afgørelse om klage" in letters
    assert (
        stub.records()[kept.application_id]["Version"]
        == _acknowledged(connector)[("sag", kept.application_id)]
    )


def test_an_index_that_lost_its_data_needs_the_full_resync(connector, stub):
    _lived(connector, 2)
    live = (stub.records("sag"), stub.records("ydelse"))
    stub.state.reset()  # the index lost everything
    # Skipping trusts the index to hold what it acknowledged: here that sends nothing.
    assert connector.service.resync(connector.engine, skip_acknowledged=True).queued == 0
    # The default resync sends everything again.
    assert connector.service.resync(connector.engine).queued == 4
    connector.push_all()
    assert (stub.records("sag"), stub.records("ydelse")) == live


def test_an_answer_other_than_stored_is_not_taken_as_stored(connector, stub):
    _lived(connector, 1)
    with connector.engine.begin() as conn:
        conn.execute(delete(store.acknowledged))  # e.g. pushed before this was remembered
    connector.service.resync(connector.engine)
    connector.push_all()
    assert {e["result"] for e in stub.received()[-2:]} == {"unchanged"}
    # "unchanged" says the index has that version, not which contents: nothing is skipped.
    assert connector.service.resync(connector.engine, skip_acknowledged=True).queued == 2


@pytest.mark.parametrize("skip", [False, True])
def test_the_operator_command_says_what_it_queued(connector, stub, monkeypatch, capsys, skip):
    _lived(connector, 1)
    monkeypatch.setenv("OVERVIEW_DATABASE_URL", connector.engine.url.render_as_string(False))
    monkeypatch.setenv("OVERVIEW_UNIT_UUID", ORG.unit_uuid)  # the organisation the cases went with
    monkeypatch.setattr(cli, "configure_logging", lambda *_: None)  # keep pytest's log capture
    cli.main(["resync", "--skip-acknowledged"] if skip else ["resync"])
    out = capsys.readouterr().out
    if skip:
        assert "0 record(s) queued for the index, 2 left out" in out
    else:
        assert "2 record(s) queued for the index (all of them: a full resync)" in out
    with connector.engine.connect() as conn:
        assert json.loads(json.dumps(store.counts(conn), default=str))["pending"] == (
            0 if skip else 2
        )
