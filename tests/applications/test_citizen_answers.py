"""What the citizen's case page needs from the applications API: the citizen's answer to a
request for information goes back with the case, and data fetched with consent says which
fields it filled, from where and when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.applications.conftest import create
from tests.applications.test_api import fill_and_submit

FUTURE = (date.today() + timedelta(days=14)).isoformat()


def test_the_citizens_answer_to_a_request_for_information_is_in_the_case_history(platform):
    citizen, case_system = platform.citizen(), platform.case_system()
    app_id = fill_and_submit(citizen)
    for action, params in (
        ("start_review", {}),
        ("request_information", {"deadline": FUTURE, "message": "Send dit kontoudtog"}),
    ):
        case_system.post(f"/api/applications/{app_id}/case-actions", {"action": action, **params})
    too_long = citizen.post(f"/api/applications/{app_id}/submit", {"message": "x" * 5001})
    assert too_long.status_code == 422
    answered = citizen.post(
        f"/api/applications/{app_id}/submit", {"message": "Kontoudtoget er vedhæftet."}
    )
    assert answered.status_code == 200 and answered.json["state"] == "under_review"
    assert answered.json["information_deadline"] is None
    history = citizen.get(f"/api/applications/{app_id}/history").json
    asked, answer = history[-2], history[-1]
    assert (asked["to_state"], asked["reason"]) == ("awaiting_citizen", "Send dit kontoudtog")
    assert (answer["to_state"], answer["reason"]) == ("under_review", "Kontoudtoget er vedhæftet.")


def test_fetched_data_names_the_fields_it_filled_its_source_and_time(platform):
    citizen = platform.citizen()
    app_id = create(citizen).json["id"]
    assert citizen.get(f"/api/applications/{app_id}").json["fetched"] == []
    platform.give_consent(citizen.subject, case_ref=app_id)
    fetched = citizen.post(f"/api/applications/{app_id}/fetches/income").json
    [record] = fetched["fetched"]
    assert record["fetch_id"] == "income" and record["source"] == "eindkomst"
    assert record["values"] == {"wealth": fetched["answers"]["wealth"]}
    # When: just now (not the year of the host's date, which is another year on New Year's night)
    fetched_at = datetime.fromisoformat(record["fetched_at"])
    assert abs(fetched_at - datetime.now(UTC)) < timedelta(minutes=5), fetched_at
