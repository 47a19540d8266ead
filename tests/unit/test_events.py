"""The event envelope: what is accepted, what is refused, and with which error code."""

from __future__ import annotations

import json

import pytest

from kit.events import InvalidEvent, decode_event, encode_event, encode_unchecked
from tests.builders import TEST_EVENT, make_event


def envelope(**changes):
    document = json.loads(encode_event(make_event(key="case-1", n=7)))
    document.update(changes)
    return json.dumps(document).encode()


def test_an_event_survives_encoding_and_decoding_unchanged():
    original = make_event(key="case-1", n=7, label="første")
    decoded = decode_event(encode_event(original))
    assert decoded == original
    assert decoded.key == "case-1"


def test_the_envelope_is_cloudevents_with_correlation_causation_and_actor():
    cause = make_event(key="case-1")
    effect = make_event(key="case-1").caused_by(cause)
    document = json.loads(encode_event(effect))
    assert document["specversion"] == "1.0"
    assert {"id", "source", "type", "time", "subject", "datacontenttype", "data"} <= set(document)
    assert document["correlationid"] == cause.correlation_id
    assert document["causationid"] == cause.id
    assert document["actortype"] == "staff" and document["channel"] == "tablet"
    assert document["onbehalfof"] == effect.actor.on_behalf_of


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe not utf-8", "event.not_json"),
        (b"[1, 2]", "event.not_an_object"),
        (envelope(specversion="0.3"), "event.invalid_envelope"),
        (envelope(correlationid=None), "event.invalid_envelope"),
        (envelope(channel="fax"), "event.invalid_envelope"),
        (envelope(type="application.submitted"), "event.invalid_envelope"),
        (envelope(unexpected="field"), "event.invalid_envelope"),
        (envelope(type="dk.selvbetjening.nobody.knows.v1"), "event.unknown_type"),
        (envelope(data={"n": "seven"}), "event.invalid_data"),
        (envelope(data={}), "event.invalid_data"),
    ],
)
def test_a_record_that_is_not_a_valid_event_is_refused_with_a_stable_code(raw, code):
    with pytest.raises(InvalidEvent) as raised:
        decode_event(raw)
    assert raised.value.code == code


def test_publishing_an_event_that_does_not_match_its_schema_is_an_error():
    with pytest.raises(InvalidEvent) as raised:
        encode_event(make_event(data={"n": "seven"}))
    assert raised.value.code == "event.invalid_data"
    assert "n" in raised.value.errors


def test_an_unchecked_encoding_exists_only_to_build_bad_records_for_tests():
    raw = encode_unchecked(make_event(type=TEST_EVENT, data={"n": "x"}))
    with pytest.raises(InvalidEvent):
        decode_event(raw)
