"""The shipped catalogue: four real Danish application types, and their guidance per type."""

from __future__ import annotations

from datetime import date

import pytest

from services.applications.catalogue import Catalogue
from services.applications.guidance import evaluate

CATALOGUE = Catalogue.load()
ON = date(2026, 3, 1)


def findings(type_id, answers, attachments=()):
    return {f.code: f for f in evaluate(CATALOGUE.get(type_id), answers, set(attachments), ON)}


def test_the_catalogue_ships_the_four_types_with_their_legal_basis():
    sections = {t.id: t.definition["legal_basis"]["section"] for t in CATALOGUE}
    assert sections == {
        "enkeltudgifter": "§ 81",
        "merudgifter": "§ 100",
        "hjaelpemidler": "§ 112",
        "boligindretning": "§ 116",
    }
    for app_type in CATALOGUE:
        assert app_type.title["da"] and app_type.title["en"]
        assert len(app_type.rules) >= 3


@pytest.mark.parametrize(
    ("household", "wealth", "warned"),
    [
        ("single", 9000, False),
        ("single", 16000, True),
        ("married", 16000, False),
        ("married", 32000, True),
    ],
)
def test_enkeltudgifter_warns_when_wealth_is_above_the_dated_limit(household, wealth, warned):
    found = findings("enkeltudgifter", {"household": household, "wealth": wealth})
    assert ("enkeltudgifter.wealth_above_limit" in found) is warned
    assert found["enkeltudgifter.wealth_above_limit"].severity == "warning" if warned else True


def test_enkeltudgifter_warns_about_expenses_already_paid_and_hints_to_ask_the_bank():
    found = findings("enkeltudgifter", {"expense_status": "paid", "bank_loan": "not_asked"})
    assert found["enkeltudgifter.expense_already_paid"].severity == "warning"
    assert found["enkeltudgifter.ask_bank_first"].severity == "hint"
    assert "enkeltudgifter.expense_already_paid" not in findings(
        "enkeltudgifter", {"expense_status": "not_bought"}
    )


def test_enkeltudgifter_asks_for_the_rental_contract_only_for_a_deposit():
    errors = [
        f
        for f in evaluate(CATALOGUE.get("enkeltudgifter"), {"expense_type": "deposit"}, set(), ON)
        if f.field == "attachments.rental_contract"
    ]
    assert errors and errors[0].severity == "error"
    other = [
        f
        for f in evaluate(CATALOGUE.get("enkeltudgifter"), {"expense_type": "other"}, set(), ON)
        if f.field == "attachments.rental_contract"
    ]
    assert other == []


@pytest.mark.parametrize(
    ("group", "costs", "code"),
    [
        ("group_1", 5000, "merudgifter.below_minimum"),
        ("group_1", 30000, "merudgifter.consider_group_2"),
        ("group_2", 20000, "merudgifter.group_2_below_limit"),
    ],
)
def test_merudgifter_compares_yearly_costs_with_the_thresholds(group, costs, code):
    assert code in findings("merudgifter", {"group": group, "costs_yearly": costs})


def test_merudgifter_is_quiet_about_costs_above_the_minimum():
    found = findings("merudgifter", {"group": "group_1", "costs_yearly": 8000})
    assert "merudgifter.below_minimum" not in found
    assert "merudgifter.consider_group_2" not in found


def test_hjaelpemidler_warns_about_cheap_ordinary_products_and_bought_devices():
    found = findings(
        "hjaelpemidler", {"ordinary_product": True, "price_estimate": 400, "already_bought": True}
    )
    assert found["hjaelpemidler.consumer_good_too_cheap"].severity == "warning"
    assert found["hjaelpemidler.already_bought"].severity == "warning"
    assert "hjaelpemidler.consumer_good_too_cheap" not in findings(
        "hjaelpemidler", {"ordinary_product": True, "price_estimate": 4000}
    )


def test_boligindretning_in_a_rented_home_needs_the_landlord():
    rented = evaluate(
        CATALOGUE.get("boligindretning"), {"tenure": "rented", "landlord_consent": False}, set(), ON
    )
    codes = {f.code for f in rented}
    assert "boligindretning.landlord_must_agree" in codes
    assert "attachments.landlord_consent_document" in {
        f.field for f in rented if f.severity == "error"
    }
    owned = evaluate(CATALOGUE.get("boligindretning"), {"tenure": "owner"}, set(), ON)
    assert "attachments.landlord_consent_document" not in {f.field for f in owned}
