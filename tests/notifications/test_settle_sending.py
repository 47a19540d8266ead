"""A message left in "sending" (the worker died after claiming it, or the provider accepted it
and its callback never came) is settled by the sweep: the provider is asked, or the message is
handed over again under the same id, so the citizen gets it once. Operators can do the same."""

from __future__ import annotations

import json

import pytest

from services.notifications import cli, store
from services.notifications.providers import DELIVERED
from tests.notifications.builders import Case


@pytest.fixture
def s(service):
    return service


def one_message(s, case: Case) -> dict:
    [message] = s.messages(case.citizen_id)
    return message


def claimed_but_never_finished(s) -> dict:
    """What a kill -9 between claim and outcome leaves: the message in sending."""
    case = Case()
    s.contact(case.citizen_id, email="anna@example.dk")
    s.deliver(case.submitted())
    sender = s.sender()
    with s.engine.connect() as conn:
        [due] = store.due_messages(conn, s.clock(), 10)
    [(_provider, outgoing)] = sender._claim([due], s.clock())
    return {"case": case, "outgoing": outgoing, "sender": sender}


def test_a_message_the_worker_died_on_before_handing_over_is_sent_once_by_the_sweep(s):
    left = claimed_but_never_finished(s)
    case = left["case"]
    assert one_message(s, case)["status"] == "sending"

    s.clock.advance(seconds=60)
    assert s.sender().settle_stuck() == {}  # not yet: a hand-over may still be under way
    s.clock.advance(seconds=61)
    settled = s.sender().settle_stuck()

    message = one_message(s, case)
    assert settled == {message["id"]: DELIVERED}
    assert message["status"] == "delivered" and message["attempts"] == 1
    assert len(s.providers["email"].sent) == 1
    assert s.event_types(message["id"]) == ["created", "sending", "delivered"]


def test_a_message_the_provider_took_before_the_crash_is_asked_about_not_sent_again(s):
    left = claimed_but_never_finished(s)
    provider = s.providers["email"]
    taken = provider.send(left["outgoing"])  # the provider has it; then the worker died
    s.clock.advance(minutes=3)

    s.sender().settle_stuck()

    message = one_message(s, left["case"])
    assert message["status"] == "delivered"
    with s.engine.connect() as conn:
        assert store.message(conn, message["id"]).provider_ref == taken.provider_ref
    assert provider.attempts == 1 and len(provider.sent) == 1


def test_an_accepted_message_whose_callback_never_came_is_settled_by_asking(s):
    case = Case()
    s.contact(case.citizen_id, email="anna@example.dk")
    s.deliver(case.submitted())
    s.providers["email"].confirm_later()
    s.send()
    assert one_message(s, case)["status"] == "sending"
    s.clock.advance(minutes=3)
    s.sender().settle_stuck()
    assert one_message(s, case)["status"] == "delivered"
    assert s.providers["email"].attempts == 1


def test_an_operator_lists_and_settles_what_is_left_in_sending(s, monkeypatch, capsys):
    left = claimed_but_never_finished(s)
    monkeypatch.setenv(
        "NOTIFICATIONS_DATABASE_URL", s.engine.url.render_as_string(hide_password=False)
    )
    cli.main(["sending", "--older-than", "0"])
    listed = json.loads(capsys.readouterr().out)
    message = one_message(s, left["case"])
    assert [m["id"] for m in listed] == [message["id"]]
    assert "anna@example.dk" not in json.dumps(listed)

    cli.main(["settle", "--older-than", "0"])
    assert "1 message(s) settled" in capsys.readouterr().out
    assert one_message(s, left["case"])["status"] == "delivered"
