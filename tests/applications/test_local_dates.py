"""Dates the applications service writes are Copenhagen dates, whatever the time zone of the
machine it runs on: at half past midnight on New Year's night in Copenhagen (23:30 UTC on 31
December) an attachment and a decision letter are dated 1 January, the case number is of the
new year, and a deadline of 1 January is today, not tomorrow. They were dated by the host's
clock (date.today(): UTC in a container) and compared with the UTC date, so for an hour (two
in summer) every night letters were dated yesterday and a deadline of today was taken."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.applications.catalogue import Catalogue
from services.applications.sources import SimulatedIncomeSource
from tests.applications.builders import complete_answers, make_type
from tests.applications.conftest import PDF, Platform, create
from tests.harness.clock import SettableClock
from tests.harness.services import build_service

NEW_YEARS_NIGHT = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 locally
# The wealth limit goes up at New Year, as the law's amounts do.
LIMITS = {
    "wealth_limit_single": [
        {"valid_from": "2025-01-01", "value": 10000, "unit": "DKK", "verified": True},
        {"valid_from": "2027-01-01", "value": 12000, "unit": "DKK", "verified": True},
    ]
}


@pytest.fixture
def at_half_past_midnight(database_url, tmp_path):
    source = SimulatedIncomeSource()
    built = build_service(
        "applications",
        database_url,
        tmp_path,
        catalogue=Catalogue({"testhjaelp": make_type(thresholds=LIMITS)}),
        sources={"eindkomst": source},
        clock=SettableClock(NEW_YEARS_NIGHT),
    )
    yield Platform(built.app, built.engine, built.issuer, source)
    built.close()


def test_half_past_midnight_in_copenhagen_is_already_the_new_year(at_half_past_midnight):
    platform = at_half_past_midnight
    citizen, case_system = platform.citizen(), platform.case_system()
    app_id = create(citizen, complete_answers()).json["id"]
    assert citizen.upload(f"/api/applications/{app_id}/attachments", PDF).status_code == 201
    submitted = citizen.post(f"/api/applications/{app_id}/submit")
    assert submitted.json["case_number"].startswith("ANS-2027-"), submitted.json

    def act(action, **params):
        return case_system.post(
            f"/api/applications/{app_id}/case-actions", {"action": action, **params}
        )

    assert act("start_review").status_code == 200
    today = act("request_information", deadline="2027-01-01", message="Send kontoudtog")
    assert (today.status_code, today.json["code"]) == (422, "application.deadline_in_past")
    assert act("request_information", deadline="2027-01-02", message="x").status_code == 200
    assert citizen.post(f"/api/applications/{app_id}/submit").status_code == 200
    assert act("decide", outcome="refused", letter_title="Afslag").status_code == 200

    documents = citizen.get(f"/api/applications/{app_id}/documents").json
    assert sorted(d["direction"] for d in documents) == ["incoming", "outgoing"]
    assert {d["document_date"] for d in documents} == {"2027-01-01"}


def test_the_guidance_uses_the_new_years_amounts_from_midnight_in_copenhagen(at_half_past_midnight):
    """The portal's live guidance reckons by the day in Copenhagen; the service's checks (which
    decide whether the application can be sent) must agree with it, also on New Year's night."""
    citizen = at_half_past_midnight.citizen()
    app_id = create(citizen, complete_answers(household="single", wealth=11000)).json["id"]
    checks = citizen.get(f"/api/applications/{app_id}/checks").json
    assert "testhjaelp.wealth_above_limit" not in str(checks), checks  # 11000 <= 12000
    over = create(citizen, complete_answers(household="single", wealth=12500)).json["id"]
    assert "testhjaelp.wealth_above_limit" in str(
        citizen.get(f"/api/applications/{over}/checks").json
    )
