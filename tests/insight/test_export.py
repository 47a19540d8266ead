"""The OCEL 2.0 export: readable by pm4py, pseudonymised, incremental."""

from __future__ import annotations

import contextlib
import json
import re

import pm4py
import pytest

from kit.db import make_engine
from kit.events import Actor, Event
from kit.inbox import AlreadyHandled, handle_once
from kit.migrate import upgrade
from schemas.events import appointments as appointment_events
from services.insight import export, handlers
from tests.insight.builders import Story

CPR = "0101801234"


@pytest.fixture
def engine(database_url):
    upgrade("insight", database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _take(engine, events):
    """As the consumer does: each event through the inbox, once."""
    take = handle_once(engine, handlers.GROUP, handlers.take_event)
    for event in events:
        with contextlib.suppress(AlreadyHandled):
            take(event)


def _stories():
    first = Story().answer("monthly_income").submit().status("submitted", "under_review")
    first.consent_and_fetch(wait_days=1).decide(after_days=3)
    second = Story(type_id="hjaelpemidler").submit()
    second.message(second.events[-2])
    return first, second


def _visit(citizen):
    return Event(
        type=appointment_events.APPOINTMENT_BOOKED,
        source="/test",
        subject="appointment-1",
        data={
            "appointment_id": "appointment-1",
            "citizen_id": citizen,
            "kind": "home_visit",
            "starts_at": "2026-01-06T09:00:00+00:00",
            "ends_at": "2026-01-06T09:45:00+00:00",
            "staff_ids": ["hjemmehjaelp-erik"],
            "address": "Bredgade 12, 2. th., 5000 Odense C",
            "booked_by": "hjemmehjaelp-erik",
        },
        actor=Actor("hjemmehjaelp-erik", "staff", "tablet", citizen),
    )


def test_the_export_round_trips_through_pm4pys_ocel_2_readers(engine, tmp_path):
    first, second = _stories()
    _take(engine, first.events + second.events)
    result = export.export(engine, tmp_path / "out")
    assert result.events_added == result.events_total >= 10
    for ocel in (
        pm4py.read_ocel2_json(str(tmp_path / "out" / "ocel.json")),
        pm4py.read_ocel2_sqlite(str(tmp_path / "out" / "ocel.sqlite")),
    ):
        assert len(ocel.events) == result.events_total
        types = set(ocel.objects["ocel:type"])
        assert {"application", "citizen", "consent", "message"} <= types
        assert "decided" in set(ocel.events["ocel:activity"])
    xes = pm4py.read_xes(str(tmp_path / "out" / "applications-enkeltudgifter.xes"))
    assert xes["case:concept:name"].nunique() == 1


def test_no_personal_data_leaves_in_any_exported_file(engine, tmp_path):
    first, second = _stories()
    _take(engine, first.events + second.events + [_visit(first.citizen)])
    export.export(engine, tmp_path / "out")
    raw_ids = {first.citizen, first.application, second.citizen, second.application}
    for path in (tmp_path / "out").iterdir():
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert not re.search(r"\b\d{6}-?\d{4}\b", text), path.name  # CPR-shaped
        for raw in raw_ids | {"hjemmehjaelp-erik", "Bredgade", "Send kontoudtog", CPR}:
            assert raw not in text, (path.name, raw)


def test_a_second_run_adds_only_what_is_new_with_the_same_pseudonyms(engine, tmp_path):
    first, second = _stories()
    _take(engine, first.events)
    out = tmp_path / "out"
    one = export.export(engine, out)
    before = json.loads((out / "ocel.json").read_text())
    again = export.export(engine, out)
    assert again.events_added == 0 and again.events_total == one.events_total
    _take(engine, second.events)
    _take(engine, first.events)  # redelivered: the inbox absorbs it
    three = export.export(engine, out)
    assert three.events_added == len(second.occurrences())
    after = json.loads((out / "ocel.json").read_text())
    old_ids = {o["id"] for o in before["objects"]}
    assert old_ids <= {o["id"] for o in after["objects"]}
    other = export.export(engine, tmp_path / "other")
    other_ids = {
        o["id"] for o in json.loads((tmp_path / "other" / "ocel.json").read_text())["objects"]
    }
    assert not (old_ids & other_ids)  # another export, another key: not linkable
    assert other.events_total == three.events_total
