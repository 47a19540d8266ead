"""Builders for application tests: a small application type and the defaults around it."""

from __future__ import annotations

import copy
from typing import Any

from services.applications.catalogue import STATES_WITH_TEXT, ApplicationType, parse_type


def t(da: str, en: str | None = None) -> dict[str, str]:
    return {"da": da, "en": en or da}


TEST_TYPE: dict[str, Any] = {
    "id": "testhjaelp",
    "version": "2026-01-01",
    "title": t("Testhjælp", "Test help"),
    "summary": t("Hjælp til test.", "Help for tests."),
    "legal_basis": {"law": t("Testloven", "Test Act"), "section": "§ 1", "url": None},
    "kle": "32.18.08",
    "published_to_overview": True,
    "sensitivity": "fortrolig",
    "steps": [
        {
            "id": "about",
            "title": t("Om dig", "About you"),
            "fields": [
                {
                    "id": "household",
                    "type": "choice",
                    "required": True,
                    "label": t("Husstand", "Household"),
                    "choices": [
                        {"value": "single", "label": t("Enlig", "Single")},
                        {"value": "married", "label": t("Gift", "Married")},
                    ],
                },
                {
                    "id": "wealth",
                    "type": "money",
                    "required": True,
                    "label": t("Formue", "Wealth"),
                    "min": 0,
                },
                {"id": "already_paid", "type": "boolean", "label": t("Allerede betalt", "Paid")},
                {"id": "rented", "type": "boolean", "label": t("Lejebolig", "Rented home")},
                {
                    "id": "description",
                    "type": "textarea",
                    "required": True,
                    "label": t("Beskrivelse", "Description"),
                },
            ],
        }
    ],
    "attachments": [
        {"id": "price_quote", "title": t("Tilbud", "Price quote"), "required": True},
        {
            "id": "landlord_consent",
            "title": t("Udlejers samtykke", "Landlord's consent"),
            "required_when": {"field": "rented", "op": "true"},
        },
    ],
    "thresholds": {
        "wealth_limit_single": [
            {"valid_from": "2025-01-01", "value": 10000, "unit": "DKK", "verified": True},
            {"valid_from": "2026-07-01", "value": 12000, "unit": "DKK", "verified": False},
        ],
    },
    "rules": [
        {
            "code": "testhjaelp.wealth_above_limit",
            "severity": "warning",
            "field": "wealth",
            "when": {
                "all": [
                    {"field": "household", "op": "eq", "value": "single"},
                    {"field": "wealth", "op": "gt", "threshold": "wealth_limit_single"},
                ]
            },
            "message": t("Din formue er over grænsen.", "Your wealth is above the limit."),
        },
        {
            "code": "testhjaelp.apply_before_buying",
            "severity": "hint",
            "field": "already_paid",
            "when": {"field": "already_paid", "op": "true"},
            "message": t("Søg før du køber.", "Apply before you buy."),
        },
    ],
    "data_fetch": [
        {
            "id": "income",
            "purpose": "enkeltudgifter.trangsvurdering",
            "source": "eindkomst",
            "data_categories": ["income"],
            "title": t("Indkomst", "Income"),
            "fills_fields": ["wealth"],
        },
    ],
    "statuses": [
        {
            "state": s,
            "text": t(f"tekst {s}", f"text {s}"),
            "notify_citizen": True,
            "final": s in ("closed", "withdrawn"),
            "overview_progress": {
                "submitted": "Opstaaet",
                "under_review": "Oplyst",
                "awaiting_citizen": "Oplyst",
                "paid_out": "Afgjort",
                "closed": "Afsluttet",
                "withdrawn": "Afsluttet",
            }.get(s, "Afgjort"),
        }
        for s in STATES_WITH_TEXT
    ],
}


def make_type_document(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(TEST_TYPE)
    document.update(changes)
    return document


def make_type(**changes: Any) -> ApplicationType:
    return parse_type(make_type_document(**changes))


def complete_answers(**changes: Any) -> dict[str, Any]:
    answers = {
        "household": "single",
        "wealth": 2000,
        "already_paid": False,
        "rented": False,
        "description": "Mit køleskab er gået i stykker.",
    }
    answers.update(changes)
    return answers
