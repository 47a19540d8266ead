"""Templates: fields checked when a version is saved and when a message is rendered; preview."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.notifications.domain import (
    MissingValue,
    QuietHours,
    TemplateInvalid,
    render,
    validate_template,
)
from services.notifications.templates import TEMPLATES

RECEIPT = TEMPLATES["application_receipt"]


def texts(da_body: str, en_body: str | None = None) -> dict:
    return {
        "da": {"subject": "Kvittering", "body": da_body},
        "en": {"subject": "Receipt", "body": en_body or da_body},
    }


def test_every_built_in_template_is_valid_in_both_languages():
    for spec in TEMPLATES.values():
        validate_template(spec, {"da": spec["da"], "en": spec["en"]})


@pytest.mark.parametrize(
    "body, code",
    [
        ("Sag ${case_number} for ${cpr}", "template.unknown_field"),
        ("Vi har modtaget ansøgningen.", "template.missing_field"),
        ("Sag ${case_number} koster 5 $", "template.invalid_syntax"),
    ],
)
def test_a_template_version_with_bad_fields_is_refused(body, code):
    with pytest.raises(TemplateInvalid) as refused:
        validate_template(RECEIPT, texts(body))
    assert refused.value.code == code


def test_a_template_without_english_is_refused():
    with pytest.raises(TemplateInvalid) as refused:
        validate_template(RECEIPT, {"da": texts("Sag ${case_number}")["da"]})
    assert refused.value.code == "template.language_missing"


def test_rendering_with_a_missing_or_empty_value_is_an_error_never_a_gap():
    with pytest.raises(MissingValue) as missing:
        render(RECEIPT["da"], {"case_number": "2026-1", "application_title": "  "}, "da")
    assert missing.value.extra["fields"] == ["application_title"]


def test_dates_are_written_out_in_the_readers_language():
    body = {"subject": "x", "body": "senest ${deadline}"}
    assert render(body, {"deadline": date(2026, 12, 1)}, "da").body == "senest 1. december 2026"
    assert render(body, {"deadline": date(2026, 12, 1)}, "en").body == "senest 1 December 2026"


def test_quiet_hours_follow_copenhagen_time_in_summer_and_winter():
    quiet = QuietHours()
    summer_night = datetime(2026, 7, 1, 19, 30, tzinfo=UTC)  # 21:30 CEST
    assert quiet.not_before("sms", summer_night) == datetime(2026, 7, 2, 6, 0, tzinfo=UTC)
    assert quiet.not_before("sms", datetime(2026, 7, 1, 6, 0, tzinfo=UTC)) is None  # 08:00
    assert quiet.not_before("email", summer_night) is None
    early = datetime(2026, 1, 5, 5, 0, tzinfo=UTC)  # 06:00 CET
    assert quiet.not_before("sms", early) == datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


def test_an_administrator_saves_a_new_version_which_new_messages_use(sqlite_service):
    from tests.notifications.builders import Case

    s = sqlite_service
    admin = s.staff("notifications_admin")
    new = texts("Tak. Sagsnummer: ${case_number}.", "Thank you. Case number: ${case_number}.")
    saved = admin.post("/templates/application_receipt/versions", {"texts": new})
    assert saved.status_code == 201 and saved.json["current_version"] == 2
    case = Case()
    s.deliver(case.submitted())
    [message] = s.messages(case.citizen_id)
    assert message["template_version"] == 2
    assert message["body"] == f"Tak. Sagsnummer: {case.case_number}."


def test_saving_a_version_with_an_unknown_field_is_a_422_with_a_stable_code(sqlite_service):
    admin = sqlite_service.staff("notifications_admin")
    refused = admin.post(
        "/templates/application_receipt/versions", {"texts": texts("${case_number} ${cpr_number}")}
    )
    assert refused.status_code == 422
    assert refused.json["code"] == "template.unknown_field"
    assert refused.json["fields"] == ["cpr_number"]
    caseworker = sqlite_service.staff("caseworker")
    assert (
        caseworker.post(
            "/templates/application_receipt/versions", {"texts": texts("${case_number}")}
        ).status_code
        == 403
    )
    missing = admin.post("/templates/nope/versions", {"texts": texts("x")})
    assert missing.status_code == 404 and missing.json["code"] == "template.not_found"


def test_preview_renders_the_current_version_or_a_draft_and_names_missing_fields(sqlite_service):
    caseworker = sqlite_service.staff("caseworker")
    preview = caseworker.post(
        "/templates/information_requested/preview",
        {
            "language": "en",
            "values": {
                "case_number": "2026-7",
                "application_title": "a ramp",
                "deadline": "2026-12-01",
                "information_message": "Send the plan.",
            },
        },
    )
    assert preview.status_code == 200
    assert "by 1 December 2026" in preview.json["body"] and preview.json["version"] == 1
    gap = caseworker.post(
        "/templates/information_requested/preview", {"values": {"case_number": "2026-7"}}
    )
    assert gap.status_code == 422 and gap.json["code"] == "template.missing_value"
    draft = caseworker.post(
        "/templates/application_receipt/preview",
        {"values": {"case_number": "2026-8"}, "texts": texts("Kvittering ${case_number}")},
    )
    assert draft.json["body"] == "Kvittering 2026-8" and draft.json["version"] is None
    unknown = caseworker.post("/templates/application_receipt/preview", {"values": {"cpr": "x"}})
    assert unknown.status_code == 422 and unknown.json["code"] == "template.unknown_field"
