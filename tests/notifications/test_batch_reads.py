"""A batch of events reads the citizens' proxies and cases once, ahead, and writes the case
view at its end; every event still sees what the events before it in the batch changed: a
proxy granted or revoked in the batch, a case's title and caseworker (both databases)."""

from __future__ import annotations

from kit.inbox import handle_batch_once
from services.notifications import store
from services.notifications.handlers import GROUP, event_handler
from tests.notifications.builders import CASEWORKER, Case, person, proxy_granted, proxy_revoked


def test_each_event_of_a_batch_sees_the_proxies_and_cases_the_events_before_it_left(service):
    citizen, first_reader, second_reader = person(), person(), person()
    first_grant = proxy_granted(citizen, first_reader)
    service.deliver(first_grant)  # before the batch: in the proxy view already
    service.contact(CASEWORKER.id, email="dorte@kommune.dk")
    case, other_case = Case(citizen), Case(citizen)
    batch = [
        receipt := case.submitted(),  # the citizen and the first reader
        proxy_granted(citizen, second_reader),
        other_receipt := other_case.submitted(),  # and now the second reader too
        proxy_revoked(first_grant),
        case.status_changed("under_review", notify=False),  # the caseworker takes the case
        withdrawn := case.withdrawn(),  # tells that caseworker
        decision := other_case.decided(),  # its title from the view, no longer the first reader
    ]
    run = handle_batch_once(
        service.engine, GROUP, event_handler(service.notifications), service.notifications.batched
    )
    assert run(batch) == batch

    told: dict[str, set[tuple[str, str]]] = {}
    with service.engine.connect() as conn:
        sent = store.messages_about(conn, citizen)
        kept = store.cases(conn, [case.application_id, other_case.application_id])
    for m in sent:
        told.setdefault(m.trigger_event_id, set()).add((m.recipient_role, m.recipient_id))
    assert told == {
        receipt.id: {("citizen", citizen), ("proxy", first_reader)},
        other_receipt.id: {("citizen", citizen), ("proxy", first_reader), ("proxy", second_reader)},
        withdrawn.id: {("staff", CASEWORKER.id)},
        decision.id: {("citizen", citizen), ("proxy", second_reader)},
    }
    letter = next(m for m in sent if m.trigger_event_id == decision.id)
    assert "Hjælpemidler" in letter.body and other_case.case_number in letter.subject
    assert kept[case.application_id] == {
        "application_id": case.application_id,
        "citizen_id": citizen,
        "title": "Hjælpemidler",
        "case_number": case.case_number,
        "caseworker_id": CASEWORKER.id,
    }
    assert kept[other_case.application_id]["caseworker_id"] == CASEWORKER.id  # decided by staff
    assert kept[other_case.application_id]["title"] == "Hjælpemidler"
