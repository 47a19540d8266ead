"""The application's rules without I/O: every lifecycle transition, and the guidance checks."""

from __future__ import annotations

from datetime import date

import pytest

from services.applications import domain
from services.applications.catalogue import CatalogueError, parse_type
from services.applications.domain import (
    STATES,
    TRANSITIONS,
    IllegalTransition,
    next_state,
)
from services.applications.guidance import blocking, evaluate
from tests.applications.builders import complete_answers, make_type, make_type_document

LEGAL = [
    (state, action, target)
    for action, moves in TRANSITIONS.items()
    for state, target in moves.items()
]
ILLEGAL = [
    (state, action)
    for action in TRANSITIONS
    for state in STATES
    if state not in TRANSITIONS[action]
]
TODAY = date(2026, 3, 1)


@pytest.mark.parametrize(("state", "action", "target"), LEGAL)
def test_every_legal_transition_leads_where_the_lifecycle_says(state, action, target):
    assert next_state(state, action) == target


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_every_other_transition_is_refused_with_a_stable_code(state, action):
    with pytest.raises(IllegalTransition) as raised:
        next_state(state, action)
    assert raised.value.code == "application.illegal_transition"
    assert raised.value.extra == {"state": state, "action": action}


def test_the_lifecycle_has_the_shape_the_issue_describes():
    assert len(LEGAL) == 16
    path = ["submit", "start_review", "request_information", "resume", "decide", "pay", "pay"]
    state = domain.DRAFT
    for action in path + ["close"]:
        state = next_state(state, action)
    assert state == domain.CLOSED
    assert all(domain.WITHDRAWN not in moves for moves in TRANSITIONS.values())
    # A closed case opens again only after a complaint, and then it is reviewed again.
    assert [a for a, moves in TRANSITIONS.items() if domain.CLOSED in moves] == ["reopen"]
    assert next_state(domain.CLOSED, "reopen") == domain.UNDER_REVIEW
    with pytest.raises(IllegalTransition):
        next_state(domain.DECIDED, "withdraw")  # no withdrawal after the decision


def test_an_unknown_action_is_refused():
    with pytest.raises(IllegalTransition) as raised:
        next_state(domain.DRAFT, "approve_everything")
    assert raised.value.code == "application.unknown_action"


def codes(findings):
    return sorted(f.code for f in findings)


def test_a_complete_application_has_no_errors():
    app_type = make_type()
    findings = evaluate(app_type, complete_answers(), {"price_quote"}, TODAY)
    assert blocking(findings) == []


def test_missing_required_fields_and_attachments_are_errors_naming_them():
    findings = evaluate(make_type(), {}, set(), TODAY)
    errors = [(f.code, f.field) for f in blocking(findings)]
    assert ("application.field_required", "household") in errors
    assert ("application.field_required", "description") in errors
    assert ("application.attachment_required", "attachments.price_quote") in errors
    assert ("application.field_required", "already_paid") not in errors  # optional


def test_an_attachment_becomes_required_when_its_condition_holds():
    app_type = make_type()
    owned = evaluate(app_type, complete_answers(rented=False), {"price_quote"}, TODAY)
    rented = evaluate(app_type, complete_answers(rented=True), {"price_quote"}, TODAY)
    assert "attachments.landlord_consent" not in [f.field for f in owned]
    assert "attachments.landlord_consent" in [f.field for f in blocking(rented)]


def test_wealth_above_the_threshold_in_force_is_a_warning_not_an_error():
    app_type = make_type()
    findings = evaluate(app_type, complete_answers(wealth=11000), {"price_quote"}, TODAY)
    assert "testhjaelp.wealth_above_limit" in codes(findings)
    assert blocking(findings) == []
    # From 2026-07-01 the dated configuration raises the limit to 12,000.
    later = evaluate(app_type, complete_answers(wealth=11000), {"price_quote"}, date(2026, 7, 1))
    assert "testhjaelp.wealth_above_limit" not in codes(later)


def test_a_warning_does_not_fire_before_the_citizen_has_answered():
    findings = evaluate(make_type(), {"household": "single"}, set(), TODAY)
    assert "testhjaelp.wealth_above_limit" not in codes(findings)


def test_a_hint_reacts_to_what_is_entered():
    app_type = make_type()
    assert "testhjaelp.apply_before_buying" in codes(
        evaluate(app_type, complete_answers(already_paid=True), set(), TODAY)
    )
    assert "testhjaelp.apply_before_buying" not in codes(
        evaluate(app_type, complete_answers(already_paid=False), set(), TODAY)
    )


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("wealth", "mange penge", "not_a_number"),
        ("wealth", -5, "below_minimum"),
        ("wealth", 12.5, "not_a_whole_number"),
        ("household", "widowed", "not_a_choice"),
        ("already_paid", "ja", "not_yes_or_no"),
        ("description", "x" * 5001, "too_long"),
    ],
)
def test_an_invalid_answer_is_kept_but_reported(field, value, problem):
    findings = evaluate(make_type(), complete_answers(**{field: value}), {"price_quote"}, TODAY)
    assert (f"application.field_invalid.{problem}", field) in [(f.code, f.field) for f in findings]


def test_money_typed_with_danish_thousands_separators_is_understood():
    findings = evaluate(make_type(), complete_answers(wealth="11.000"), {"price_quote"}, TODAY)
    assert "testhjaelp.wealth_above_limit" in codes(findings)


@pytest.mark.parametrize(
    "change",
    [
        {
            "rules": [
                {
                    "code": "x.y",
                    "severity": "warning",
                    "field": None,
                    "when": {"field": "no_such_field", "op": "present"},
                    "message": {"da": "a", "en": "a"},
                }
            ]
        },
        {
            "rules": [
                {
                    "code": "x.y",
                    "severity": "warning",
                    "field": None,
                    "when": {"field": "wealth", "op": "gt", "threshold": "no_such_threshold"},
                    "message": {"da": "a", "en": "a"},
                }
            ]
        },
        {
            "rules": [
                {
                    "code": "x.y",
                    "severity": "fatal",
                    "field": None,
                    "when": {"field": "wealth", "op": "present"},
                    "message": {"da": "a", "en": "a"},
                }
            ]
        },
        {
            "rules": [
                {
                    "code": "x.y",
                    "severity": "hint",
                    "field": None,
                    "when": {"field": "wealth", "op": "resembles", "value": 1},
                    "message": {"da": "a", "en": "a"},
                }
            ]
        },
        {"statuses": []},
        {"title": {"da": "Kun dansk"}},
    ],
)
def test_a_catalogue_entry_that_breaks_the_format_is_refused_at_load(change):
    with pytest.raises(CatalogueError):
        parse_type(make_type_document(**change))
