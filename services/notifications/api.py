"""HTTP API of the notifications service: parse, call the use case, answer. Nothing more."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from kit.auth import CITIZEN, MACHINE, STAFF, current_principal, requires
from kit.openapi import documented
from kit.web import InvalidBody, parse
from services.notifications.api_schemas import (
    CallbackSchema,
    ContactOut,
    ContactSchema,
    ForCitizenSchema,
    InboxOut,
    LetterOut,
    MessageOut,
    MessagesOut,
    PersonSchema,
    PreferencesSchema,
    PreviewOut,
    PreviewSchema,
    RulesOut,
    TemplateOut,
    TemplatesOut,
    TemplateVersionSchema,
)
from services.notifications.services import Notifications

bp = Blueprint("notifications", __name__, url_prefix="/api/notifications")

READERS = ("caseworker", "homecare", "notifications_admin")  # staff who see what was sent
ADMIN = "notifications_admin"  # staff who edit templates and the simulated directory
CALLBACK_SCOPE = "notifications:callback"
TEMPLATE_REFUSALS = [
    "template.unknown_field",
    "template.missing_field",
    "template.invalid_syntax",
    "request.invalid_body",
]


def notifications() -> Notifications:
    return current_app.extensions["notifications"]


@bp.get("/me/messages")
@documented(
    summary="The messages sent to me, newest first, with their delivery status",
    tags=["history"],
    response=MessagesOut,
)
@requires(kinds=(CITIZEN,))
def my_messages():
    return jsonify(messages=notifications().my_messages(current_principal()))


@bp.get("/me/inbox")
@documented(
    summary="My letters (each once, in its fullest text), newest first, read or not",
    tags=["history"],
    response=InboxOut,
)
@requires(kinds=(CITIZEN,))
def my_inbox():
    return jsonify(letters=notifications().my_inbox(current_principal()))


@bp.post("/me/inbox/<message_id>/read")
@documented(
    summary="Mark one of my letters read (every channel's copy; the first reading is kept)",
    tags=["history"],
    response=LetterOut,
    errors={404: ["notification.not_found"]},
)
@requires(kinds=(CITIZEN,))
def read_letter(message_id: str):
    return jsonify(notifications().mark_read(current_principal(), message_id))


@bp.get("/messages")
@documented(
    summary="What a citizen (and their proxies) were told, and when (staff)",
    tags=["history"],
    response=MessagesOut,
    description="Name the citizen: ?citizen_id=<person UUID>.",
    errors={
        403: ["auth.wrong_kind_of_caller", "auth.missing_role"],
        422: ["notification.citizen_required", "request.invalid_body"],
    },
)
@requires(kinds=(STAFF,), roles=READERS)
def messages_about():
    citizen_id = parse(ForCitizenSchema(), request.args.to_dict())["citizen_id"]
    return jsonify(messages=notifications().messages_about(citizen_id, current_principal()))


@bp.get("/messages/<message_id>")
@documented(
    summary="One message with its status history (its recipient, or staff)",
    tags=["history"],
    response=MessageOut,
    errors={404: ["notification.not_found"]},
)
@requires(kinds=(CITIZEN, STAFF), roles=READERS)
def show_message(message_id: str):
    return jsonify(notifications().message(current_principal(), message_id))


@bp.get("/me/preferences")
@documented(
    summary="My contact details, language and channel preferences",
    tags=["preferences"],
    response=ContactOut,
)
@requires(kinds=(CITIZEN,))
def my_preferences():
    return jsonify(notifications().preferences(current_principal()))


@bp.put("/me/preferences")
@documented(
    summary="Set my contact details, language and channel preferences",
    tags=["preferences"],
    body=PreferencesSchema,
    response=ContactOut,
    errors={422: ["request.invalid_body"]},
    request_example={
        "language": "en",
        "channels": ["sms", "digital_post"],
        "phone": "+4512345678",
        "email": None,
    },
)
@requires(kinds=(CITIZEN,))
def set_my_preferences():
    body = parse(PreferencesSchema())
    return jsonify(notifications().set_preferences(current_principal(), body))


@bp.put("/contacts/<person_id>")
@documented(
    summary="Set a person's record in the simulated contact directory (admin)",
    tags=["preferences"],
    body=ContactSchema,
    response=ContactOut,
    description="Development only: in production the directory is an adapter to the "
    "municipality's registers and Digital Post's exemption list.",
    errors={403: ["auth.wrong_kind_of_caller", "auth.missing_role"], 422: ["request.invalid_body"]},
)
@requires(kinds=(STAFF,), roles=(ADMIN,))
def set_contact(person_id: str):
    person_id = parse(PersonSchema(), {"person_id": person_id})["person_id"]
    return jsonify(notifications().set_contact(person_id, parse(ContactSchema())))


@bp.get("/templates")
@documented(
    summary="Every template with its fields and current version",
    tags=["templates"],
    response=TemplatesOut,
    errors={403: ["auth.wrong_kind_of_caller", "auth.missing_role"]},
)
@requires(kinds=(STAFF,), roles=READERS)
def list_templates():
    return jsonify(templates=notifications().templates())


@bp.get("/templates/<template_id>")
@documented(
    summary="One template with every version",
    tags=["templates"],
    response=TemplateOut,
    errors={404: ["template.not_found"]},
)
@requires(kinds=(STAFF,), roles=READERS)
def show_template(template_id: str):
    return jsonify(notifications().template(template_id))


@bp.post("/templates/<template_id>/versions")
@documented(
    summary="Save a new version of a template (checked: fields, both languages)",
    tags=["templates"],
    body=TemplateVersionSchema,
    response=TemplateOut,
    status=201,
    errors={
        403: ["auth.wrong_kind_of_caller", "auth.missing_role"],
        404: ["template.not_found"],
        409: ["template.version_conflict"],
        422: TEMPLATE_REFUSALS,
    },
)
@requires(kinds=(STAFF,), roles=(ADMIN,))
def save_template_version(template_id: str):
    texts = parse(TemplateVersionSchema())["texts"]
    return jsonify(
        notifications().save_template_version(current_principal(), template_id, texts)
    ), 201


@bp.post("/templates/<template_id>/preview")
@documented(
    summary="Render a template (or a draft of one) with example values",
    tags=["templates"],
    body=PreviewSchema,
    response=PreviewOut,
    errors={404: ["template.not_found"], 422: [*TEMPLATE_REFUSALS, "template.missing_value"]},
)
@requires(kinds=(STAFF,), roles=READERS)
def preview_template(template_id: str):
    return jsonify(notifications().preview(template_id, parse(PreviewSchema())))


@bp.get("/rules")
@documented(summary="The rules from events to messages (data)", tags=["rules"], response=RulesOut)
@requires(kinds=(STAFF,), roles=READERS)
def list_rules():
    return jsonify(rules=notifications().rules_view())


@bp.post("/callbacks/<provider>")
@documented(
    summary="A provider's delivery report for a message",
    tags=["delivery"],
    body=CallbackSchema,
    response=MessageOut,
    security=[CALLBACK_SCOPE],
    description="Name the message by `provider_ref` (the provider's id) or "
    "`message_id`. Reporting the current status again changes nothing.",
    errors={
        403: ["auth.wrong_kind_of_caller", "auth.missing_scope"],
        404: ["notification.not_found"],
        409: ["notification.invalid_transition"],
        422: ["request.invalid_body", "notification.message_required"],
    },
)
@requires(kinds=(MACHINE,), scopes=(CALLBACK_SCOPE,))
def provider_callback(provider: str):
    body = parse(CallbackSchema())
    if not body["message_id"] and not body["provider_ref"]:
        raise InvalidBody(code="notification.message_required", field="provider_ref")
    return jsonify(notifications().callback(provider, body))


def openapi_document(app) -> dict:
    from kit.openapi import build_openapi

    return build_openapi(
        app,
        title="Selvbetjening – notifications",
        version="1.0.0",
        description="Messages to citizens, their proxies and staff from what "
        "happens in cases, consents and appointments: history, "
        "delivery status, templates and preferences.",
    )
