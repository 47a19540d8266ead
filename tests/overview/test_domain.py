"""The mapping from our case lifecycle to the index's records, without I/O."""

from __future__ import annotations

import pytest

from schemas.events import applications as ev
from services.overview import domain
from services.overview.policies import FOELSOMHED, load_policies, policy_from_definition
from tests.overview.builders import CPR, ORG, CaseEvents

POLICIES = load_policies()
POLICY = POLICIES["hjaelpemidler"]


def fold(events, policy=POLICY, organisation=ORG):
    first = events[0]
    record = domain.new_record(first.subject, first.data["type_id"], first.data["citizen_id"])
    pushes = []
    for event in events:
        record = domain.apply(record, event.type, event.data, event.time, policy, event.id)
        record, new = domain.next_pushes(record, policy, organisation)
        pushes += new
    return record, pushes


def cases_in(state: str) -> list:
    """Events that bring a fresh case into `state` (decided_* by outcome)."""
    case = CaseEvents()
    events = [case.created(), *case.submit()]
    path = {
        "submitted": [],
        "under_review": ["start_review"],
        "awaiting_citizen": ["start_review", "request_information"],
        "paid_out": ["start_review", "decide:granted", "pay"],
        "closed": ["start_review", "decide:granted", "pay", "close"],
        "withdrawn": ["withdraw"],
    }
    steps = path.get(state, ["start_review", "decide:" + state.removeprefix("decided_")])
    for step in steps:
        action, _, outcome = step.partition(":")
        events += case.decide(outcome) if action == "decide" else [case.status(action)]
    return events


@pytest.mark.parametrize("type_id", sorted(POLICIES))
@pytest.mark.parametrize(
    "state",
    [
        "submitted",
        "under_review",
        "awaiting_citizen",
        "decided_granted",
        "decided_partly_granted",
        "decided_refused",
        "paid_out",
        "closed",
        "withdrawn",
    ],
)
def test_every_lifecycle_state_maps_to_the_catalogues_code_and_text(type_id, state):
    policy = POLICIES[type_id]
    _, pushes = fold(cases_in(state), policy)
    last_case = [p for p in pushes if p.kind == domain.CASE][-1].payload
    assert last_case["FremdriftStatusKode"] == policy.progress[state]
    assert last_case["Fremdrift"][-1]["FremdriftStatusKode"] == policy.progress[state]
    assert last_case["StatusTekst"] == policy.status_text[state]
    assert (
        last_case["Foelsomhed"]
        == FOELSOMHED[
            {
                "IKKE_FORTROLIGE_DATA": "ikke_fortrolig",
                "FORTROLIGE_PERSONOPLYSNINGER": "fortrolig",
                "FOELSOMME_PERSONOPLYSNINGER": "saerligt_foelsom",
            }[policy.foelsomhed]
        ]
    )
    assert last_case["PrimaerKlasse"] == {"BrugervendtNoegle": policy.kle}


def test_the_progress_history_keeps_every_code_with_its_dates():
    _, pushes = fold(CaseEvents().full_life())
    history = [p for p in pushes if p.kind == domain.CASE][-1].payload["Fremdrift"]
    assert [h["FremdriftStatusKode"] for h in history] == [
        "Opstaaet",
        "Oplyst",
        "Opstaaet",
        "Oplyst",
        "Afgjort",
        "Afsluttet",
    ]
    for earlier, later in zip(history, history[1:], strict=False):
        assert earlier["TilTidspunkt"] == later["FraTidspunkt"]
    assert history[-1]["TilTidspunkt"] is None


def test_a_full_case_record_has_every_field_the_index_needs():
    case = CaseEvents()
    _, pushes = fold(case.full_life())
    sag = [p for p in pushes if p.kind == domain.CASE][-1].payload
    assert sag["UUIDIdentifikator"] == case.application_id
    assert sag["BrugervendtNoegle"] == case.case_number
    assert sag["Titel"] == "Hjælpemidler"
    assert sag["PrimaerPart"] == f"urn:oio:cpr-nr:{CPR}"
    assert sag["Ejer"] == {"CVRNummer": ORG.cvr, "Navn": ORG.name}
    assert sag["Ansvarlig"]["UUIDIdentifikator"] == ORG.unit_uuid
    assert [(d["Titel"], d["Type"]) for d in sag["Dokumenter"]] == [
        ("Kvittering for din ansøgning", "Udgaaende"),
        ("Lægeerklæring", "Indgaaende"),
        ("Afgørelse om hjælpemiddel", "Udgaaende"),
    ]


def test_an_internal_note_is_never_in_a_record_or_a_payload():
    case = CaseEvents()
    events = [
        case.created(),
        *case.submit(),
        case.document("Internt notat: vurdering", direction="internal"),
    ]
    record, pushes = fold(events)
    assert record["documents"] == []
    assert all("Internt" not in repr(p.payload) for p in pushes)


def test_a_payment_becomes_a_separate_ydelsesindeks_record():
    case = CaseEvents()
    _, pushes = fold(
        [
            case.created(),
            *case.submit(),
            case.status("start_review"),
            *case.decide(),
            *case.pay(amount_ore=99950),
        ]
    )
    payments = [p for p in pushes if p.kind == domain.PAYMENT]
    assert len(payments) == 1
    assert payments[0].payload["Status"] == "Udbetalt"
    assert payments[0].payload["BeloebOere"] == 99950
    assert payments[0].payload["SagUUID"] == case.application_id


def test_nothing_is_pushed_before_the_case_has_citizen_title_and_number():
    case = CaseEvents(cpr=None)
    record, pushes = fold([case.created(), *case.submit(), case.status("start_review")])
    assert pushes == []
    assert domain.missing_for_index(record) == ["citizen"]
    draft = CaseEvents()
    record, pushes = fold([draft.created()])
    assert pushes == []
    assert set(domain.missing_for_index(record)) == {"citizen", "case_number", "progress"}


def test_a_case_type_not_published_never_leaves():
    hidden = policy_from_definition(
        {**_definition("hjaelpemidler"), "published_to_overview": False}
    )
    _, pushes = fold(CaseEvents().full_life(), hidden)
    assert pushes == []


def test_a_title_change_is_pushed_with_a_newer_version():
    case = CaseEvents()
    _, first = fold([case.created(), *case.submit()])
    _, pushes = fold(
        [case.created(), *case.submit(), case.status("start_review", title="Ny rollator")]
    )
    assert pushes[-1].payload["Titel"] == "Ny rollator"
    assert pushes[-1].version > first[-1].version


def test_an_event_that_changes_nothing_visible_is_not_pushed_again():
    case = CaseEvents()
    events = [
        case.created(),
        *case.submit(),
        case.status("start_review"),
        case.event(ev.UPDATED, changed_fields=["x"], version=3),
    ]
    _, pushes = fold(events)
    assert [p.version for p in pushes] == [3, 4]  # submitted (with cpr) and under review


def test_versions_grow_and_resync_repeats_what_the_live_path_sent_last():
    record, pushes = fold(CaseEvents().full_life())
    versions = [p.version for p in pushes if p.kind == domain.CASE]
    assert versions == sorted(set(versions))
    resent = domain.resync_pushes(record, POLICY, ORG)
    last_case = [p for p in pushes if p.kind == domain.CASE][-1]
    assert resent[0] == last_case
    assert resent[1:] == [p for p in pushes if p.kind == domain.PAYMENT]


def test_an_overlong_case_number_is_not_publishable_and_a_long_title_is_clipped():
    long_number = CaseEvents(case_number="x" * 51)
    record, pushes = fold([long_number.status("submit")])
    assert pushes == [] and "case_number" in domain.missing_for_index(record)
    _, pushes = fold([*CaseEvents(title="T" * 255).submit()])
    assert len(pushes[0].payload["Titel"]) == 255


def _definition(type_id):
    import json

    from services.overview.policies import CATALOGUE_DIR

    return json.loads((CATALOGUE_DIR / f"{type_id}.json").read_text(encoding="utf-8"))
