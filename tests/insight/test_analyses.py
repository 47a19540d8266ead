"""Each analysis on a crafted log whose answer is known."""

from __future__ import annotations

from services.insight import analyses
from services.insight.log import build_log
from tests.insight.builders import Story, occurrences_of

STEPS = {
    "enkeltudgifter": [
        ("situation", ["life_change", "income_source"]),
        ("expense", ["expense_type", "amount_requested"]),
        ("economy", ["monthly_income", "wealth"]),
    ]
}


def _log(*stories):
    return build_log(occurrences_of(*stories))


def test_throughput_gives_the_median_and_90th_percentile_days_from_submission_to_decision():
    stories = []
    for days in (2, 4, 6, 8, 10):
        stories.append(Story().submit().status("submitted", "under_review").decide(after_days=days))
    result = analyses.throughput(_log(*stories))
    assert result["per_type"]["enkeltudgifter"] == {"n": 5, "p50": 6.0, "p90": 9.2}
    per_step = result["per_step"]["enkeltudgifter"]["review started -> decided"]
    assert per_step["p50"] == 6.0


def test_information_loops_count_the_cases_that_waited_and_the_days_they_waited():
    looped = (
        Story()
        .submit()
        .status("submitted", "under_review")
        .request_information(after_days=1)
        .answer_request(after_days=5)
        .request_information(after_days=1)
        .answer_request(after_days=3)
        .decide(after_days=1)
    )
    straight = Story().submit().status("submitted", "under_review").decide(after_days=2)
    result = analyses.information_loops(_log(looped, straight))["enkeltudgifter"]
    assert result == {
        "submitted": 2,
        "with_request": 1,
        "share": 0.5,
        "requests_per_looped_case": 2.0,
        "extra_contacts": 2,
        "days_waiting": 8.0,
    }


def test_drop_off_names_the_step_where_old_drafts_were_given_up():
    left_at_economy = Story().answer("life_change").answer("amount_requested").answer("wealth")
    left_at_expense = Story().answer("life_change").answer("expense_type")
    left_empty = Story()
    submitted = Story().answer("life_change").submit()
    young = Story(day=50).answer("life_change")  # too new to call abandoned
    clock = Story(day=60)  # the log's end: 60 days after the others began
    log = _log(left_at_economy, left_at_expense, left_empty, submitted, young, clock)
    result = analyses.drop_off(log, STEPS, abandoned_after_days=30)["enkeltudgifter"]
    assert result["created"] == 6
    assert result["abandoned"] == 3
    assert result["left_at_step"] == {"(submit)": 1, "economy": 1, "situation": 1}


def test_channels_give_the_co_service_and_proxy_shares():
    portal = Story().submit()
    proxy = Story().submit(proxy=True)
    tablet = Story(channel="tablet", actor_type="staff").submit()
    result = analyses.channels(_log(portal, proxy, tablet))["enkeltudgifter"]
    assert result["by_channel"] == {"portal": 2, "tablet": 1}
    assert result["co_service_share"] == round(1 / 3, 3)
    assert result["proxy_submitted_share"] == round(1 / 3, 3)


def test_rework_counts_cases_whose_status_went_back():
    reopened = (
        Story()
        .submit()
        .status("submitted", "under_review")
        .decide()
        .status("decided", "under_review")
    )
    straight = Story().submit().status("submitted", "under_review").decide()
    result = analyses.rework(_log(reopened, straight))["enkeltudgifter"]
    assert result["status_went_back"] == 1
    assert result["transitions_back"] == {"decided -> under_review": 1}
    assert result["cases_repeating_activity"].get("review started") == 1


def test_consent_wait_measures_start_to_consent_and_consent_to_fetch():
    slow = Story().consent_and_fetch(wait_days=4, fetch_after_days=1)
    fast = Story().consent_and_fetch(wait_days=0, fetch_after_days=0)
    result = analyses.consent_wait(_log(slow, fast))["enkeltudgifter"]
    assert result["to_consent"] == {"n": 2, "p50": 2.0, "p90": 3.6}
    assert result["consent_to_fetch"]["p50"] == 0.5


def test_typed_fields_a_fetch_could_have_filled_are_counted_where_nothing_was_fetched():
    typed = Story().answer("monthly_income", "wealth")
    fetched = Story().consent_and_fetch().answer("monthly_income")
    result = analyses.typed_but_fetchable(
        _log(typed, fetched), {"enkeltudgifter": {"monthly_income"}}
    )["enkeltudgifter"]
    assert result == {
        "applications": 2,
        "with_fetch": 1,
        "typed_fields": {"monthly_income": 1},
        "applications_typing": 1,
    }


def test_messages_belong_to_the_application_whose_event_caused_them():
    story = Story()
    story.submit()
    story.message(story.events[-2])
    log = _log(story)
    messages = log[log["activity"] == "message created"]
    assert messages["application"].tolist() == [story.application]


def test_the_discovered_process_model_follows_the_cases():
    stories = [Story().submit().status("submitted", "under_review").decide() for _ in range(3)]
    model = analyses.process_model(_log(*stories))["enkeltudgifter"]
    assert model["variants"] == 1
    assert "'application submitted'" in model["process_tree"]
    first = model["successions"][0]
    assert first["count"] == 3
