"""What Mit Overblik gets from casework's new facts, without I/O: monthly benefits pay more
than once (each payment its own Ydelsesindeks record, no new status), a reopened case is
back under review, and a claim or an internal note changes nothing the index shows."""

from __future__ import annotations

from datetime import date

from schemas.events import applications as ev
from services.overview import domain
from tests.overview.builders import CaseEvents
from tests.overview.test_domain import POLICY, fold


def test_two_monthly_payments_are_two_payment_records_in_order_and_a_reopen_shows():
    case = CaseEvents()
    events = [case.created(), *case.submit(), case.status("start_review")]
    events += [case.event(ev.ASSIGNED, case_number=case.case_number, assignee_id="dorte")]
    events += [case.event(ev.NOTE_ADDED, note_id="n-1")]
    events += case.decide("granted") + case.pay(150000)
    events += [
        case.event(
            ev.PAID_OUT,
            case_number=case.case_number,
            amount_ore=150000,
            paid_on=date(2026, 4, 20).isoformat(),
            period="2026-04",
        )
    ]
    events += [
        case.event(
            ev.STATUS_CHANGED,
            case_number=case.case_number,
            from_state="paid_out",
            to_state="under_review",
            outcome="granted",
            status_text={"da": "Genoptaget", "en": "Reopened"},
            notify_citizen=False,
            reason="Klage",
        )
    ]
    record, pushes = fold(events)
    payments = [p.payload for p in pushes if p.kind == domain.PAYMENT]
    assert [(p["BeloebOere"], p["UdbetalingsDato"]) for p in payments] == [
        (150000, "2026-03-20"),
        (150000, "2026-04-20"),
    ]
    assert len({p["UUIDIdentifikator"] for p in payments}) == 2
    codes = [p["code"] for p in record["progress"]]
    assert codes[-2:] == [POLICY.progress["paid_out"], POLICY.progress["under_review"]]
    last_case = [p for p in pushes if p.kind == domain.CASE][-1].payload
    assert "n-1" not in str(last_case) and "dorte" not in str(last_case)
