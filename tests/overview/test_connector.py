"""The connector end to end on each database: events in, records in the index stub out, under
faults as well."""

from __future__ import annotations

import time

from sqlalchemy import select

from services.overview import services, store
from services.overview.config import RetryPolicy
from tests.harness.overview_index import Connector
from tests.overview.builders import CPR, CaseEvents
from tests.overview.test_domain import POLICY


def test_a_case_systems_status_change_appears_in_the_borger_dk_view(connector, stub):
    case = CaseEvents()
    connector.deliver(case.created(), *case.submit())
    connector.push_all()
    assert stub.records()[case.application_id]["StatusTekst"] == POLICY.status_text["submitted"]
    connector.deliver(case.status("start_review"), *case.decide("partly_granted"))
    connector.push_all()
    sag = stub.records()[case.application_id]
    assert sag["FremdriftStatusKode"] == "Afgjort"
    assert sag["PrimaerPart"] == f"urn:oio:cpr-nr:{CPR}"
    page = stub.page()
    assert POLICY.status_text["decided_partly_granted"] in page
    assert "Til dig: Afgørelse om hjælpemiddel" in page


def test_internal_notes_are_never_pushed(connector, stub):
    case = CaseEvents()
    connector.deliver(
        case.created(),
        *case.submit(),
        case.document("Internt notat om borgerens økonomi", "internal"),
        case.document("Journalnotat", "internal"),
    )
    connector.push_all()
    assert stub.records()[case.application_id]["Dokumenter"] == []
    assert "notat" not in str(stub.state.records).lower()
    assert stub.state.rejected == []


def test_a_case_type_not_published_never_leaves(connector, stub):
    case = CaseEvents(type_id="skjult")
    connector.deliver(*case.full_life())
    connector.pusher.run_once()
    assert connector.counts()["pending"] == 0
    assert stub.received() == []


def test_nothing_is_pushed_before_the_case_has_citizen_title_and_number(connector, stub):
    case = CaseEvents(cpr=None)
    connector.deliver(case.created(), *case.submit(), case.status("start_review"))
    connector.pusher.run_once()
    assert stub.received() == []
    # The CPR number arrives later (e.g. a corrected submitted event): the whole case goes.
    case.cpr = CPR
    connector.deliver(case.submitted())
    connector.push_all()
    sag = stub.records()[case.application_id]
    assert [h["FremdriftStatusKode"] for h in sag["Fremdrift"]] == ["Opstaaet", "Oplyst"]


def test_a_title_change_is_pushed_too(connector, stub):
    case = CaseEvents()
    connector.deliver(case.created(), *case.submit())
    connector.push_all()
    connector.deliver(case.status("start_review", title="Rollator med sæde"))
    connector.push_all()
    assert stub.records()[case.application_id]["Titel"] == "Rollator med sæde"
    assert [e["result"] for e in stub.received(case.application_id)] == ["stored", "stored"]


def test_a_redelivered_event_has_no_second_effect(connector, stub):
    case = CaseEvents()
    events = [case.created(), *case.submit(), case.status("start_review")]
    connector.deliver(*events, *events)
    connector.push_all()
    assert [e["version"] for e in stub.received(case.application_id)] == [3, 4]


def _in_order_and_once(stub, record_id):
    received = stub.received(record_id)
    versions = [e["version"] for e in received]
    assert versions == sorted(set(versions)), versions
    assert {e["result"] for e in received} == {"stored"}


def test_order_is_kept_when_events_for_one_case_arrive_quickly(connector, stub):
    cases = [CaseEvents() for _ in range(6)]
    lives = [case.full_life() for case in cases]
    for step in range(max(len(life) for life in lives)):  # interleaved, as partitions would be
        connector.deliver(*[life[step] for life in lives if step < len(life)])
    connector.push_all()
    for case in cases:
        _in_order_and_once(stub, case.application_id)
        assert stub.records()[case.application_id]["FremdriftStatusKode"] == "Afsluttet"
    assert len(stub.records("ydelse")) == len(cases)


def test_the_endpoint_down_for_a_while_then_everything_arrives_once_and_in_order(connector, stub):
    stub.fault("error", status=503)
    cases = [CaseEvents() for _ in range(4)]
    for case in cases:
        connector.deliver(*case.full_life())
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        connector.pusher.run_once()
    assert stub.received() == [] and connector.counts()["pending"] > 0
    with connector.engine.connect() as conn:
        assert max(conn.execute(select(store.pending.c.attempts)).scalars()) > 1
    stub.fault(None)
    connector.push_all()
    for case in cases:
        _in_order_and_once(stub, case.application_id)
    assert connector.counts()["dead_letters"] == 0


def test_a_slow_endpoint_that_times_out_is_tried_again(database_url, stub):
    connector = Connector(database_url, stub, timeout_s=0.2)
    case = CaseEvents()
    stub.fault("timeout", seconds=0.5, count=1)
    connector.deliver(case.created(), *case.submit())
    connector.push_all()
    assert stub.records()[case.application_id]["Version"] == 3
    connector.close()


def test_retries_exhausted_go_to_the_dead_letters_and_replay_delivers_them(database_url, stub):
    connector = Connector(
        database_url,
        stub,
        retry=RetryPolicy(initial_s=0.01, max_s=0.01, jitter_s=0, max_attempts=2),
    )
    stub.fault("error", status=500)
    case = CaseEvents()
    connector.deliver(case.created(), *case.submit(), case.status("start_review"))
    connector.push_all()
    assert connector.counts()["dead_letters"] == 2 and stub.received() == []
    with connector.engine.connect() as conn:
        letters = store.list_dead_letters(conn)
    assert [letter["reason"] for letter in letters] == ["retries_exhausted"] * 2
    assert all("payload" not in letter for letter in letters)
    stub.fault(None)
    assert services.replay(connector.engine) == 2
    connector.push_all()
    _in_order_and_once(stub, case.application_id)
    assert connector.counts()["dead_letters"] == 0
    connector.close()


def test_a_refused_record_is_dead_lettered_at_once_and_does_not_block_the_case(database_url, stub):
    connector = Connector(database_url, stub)
    case = CaseEvents()
    connector.deliver(case.created(), *case.submit())
    with connector.engine.begin() as conn:  # a record the index refuses, as a bug would make
        conn.execute(store.pending.update().values(payload='{"Indhold": "brevets tekst"}'))
    connector.deliver(case.status("start_review"))
    connector.push_all()
    assert connector.counts()["dead_letters"] == 1
    assert stub.records()[case.application_id]["FremdriftStatusKode"] == "Oplyst"
    connector.close()


def test_resync_produces_the_same_records_as_the_live_path(connector, stub):
    cases = [CaseEvents() for _ in range(3)] + [CaseEvents(type_id="skjult")]
    for case in cases:
        connector.deliver(*case.full_life())
    connector.deliver(*CaseEvents(cpr=None).submit())
    connector.push_all()
    live = (stub.records("sag"), stub.records("ydelse"))
    stub.state.reset()  # a new index (a new municipality, or one that lost its data)
    assert connector.service.resync(connector.engine, page=2).queued == 6  # 3 cases + 3 payments
    connector.push_all()
    assert (stub.records("sag"), stub.records("ydelse")) == live
    # A resync against an index that has everything changes nothing there.
    connector.service.resync(connector.engine)
    connector.push_all()
    assert {e["result"] for e in stub.received()[-6:]} == {"unchanged"}
