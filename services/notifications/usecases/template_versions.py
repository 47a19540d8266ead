"""Templates: the built-in texts, new versions validated on save, previews and the rules in force."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from kit.auth import Principal
from kit.db import read_only
from kit.errors import Problem
from services.notifications import store, views
from services.notifications.domain import (
    TemplateInvalid,
    TemplateNotFound,
    render,
    validate_template,
)
from services.notifications.templates import APPOINTMENT_KINDS, TEMPLATES
from services.notifications.usecases.base import (
    BUILT_IN,
    TIME_FIELDS,
    NotificationsBase,
    _instant,
    _moment,
)


class TemplateVersionConflict(Problem):
    status = 409
    code = "template.version_conflict"
    title_da = "En anden gemte en ny version samtidig. Prøv igen"
    title_en = "Someone else saved a new version at the same time. Try again"


class TemplateVersions(NotificationsBase):
    """Templates and their versions."""

    def templates(self) -> list[dict]:
        with read_only(self.engine) as conn:
            return [
                self._template_view(conn, template_id, latest_only=True)
                for template_id in sorted(TEMPLATES)
            ]

    def template(self, template_id: str) -> dict:
        with read_only(self.engine) as conn:
            return self._template_view(conn, template_id, latest_only=False)

    def _template_view(self, conn: Connection, template_id: str, latest_only: bool) -> dict:
        spec = _spec(template_id)
        versions = [
            {
                "version": 1,
                "texts": {"da": spec["da"], "en": spec["en"]},
                "created_at": None,
                "created_by": BUILT_IN,
            }
        ]
        versions += [
            {
                "version": row.version,
                "texts": row.texts,
                "created_at": row.created_at,
                "created_by": row.created_by,
            }
            for row in store.template_versions_of(conn, template_id)
        ]
        return {
            "id": template_id,
            "fields": spec["fields"],
            "required": spec["required"],
            "current_version": versions[-1]["version"],
            "versions": versions[-1:] if latest_only else versions,
        }

    def save_template_version(
        self, principal: Principal, template_id: str, texts: dict[str, dict[str, str]]
    ) -> dict:
        validate_template(_spec(template_id), texts)
        try:
            with self.engine.begin() as conn:
                latest = store.latest_template_version(conn, template_id)
                version = (latest.version if latest else 1) + 1
                store.add_template_version(
                    conn, template_id, version, texts, principal.subject, self.clock()
                )
        except IntegrityError:
            raise TemplateVersionConflict()
        return self.template(template_id)

    def preview(self, template_id: str, body: Mapping[str, Any]) -> dict:
        """The template rendered with the given values, in one language (nothing is sent)."""
        spec = _spec(template_id)
        unknown = sorted(set(body["values"]) - set(spec["fields"]))
        if unknown:
            raise TemplateInvalid(
                "Værdierne nævner flettefelter, skabelonen ikke kender.",
                "The values name fields the template does not know.",
                code="template.unknown_field",
                field="values",
                extra={"fields": unknown, "allowed": list(spec["fields"])},
            )
        if body.get("texts"):
            validate_template(spec, body["texts"])
            version, texts = None, body["texts"]
        else:
            with read_only(self.engine) as conn:
                version, texts = self._template(conn, template_id)
        values = {k: _preview_value(k, v) for k, v in body["values"].items()}
        rendered = render(texts[body["language"]], values, body["language"])
        return {
            "template_id": template_id,
            "version": version,
            "language": body["language"],
            "subject": rendered.subject,
            "body": rendered.body,
        }

    def rules_view(self) -> list[dict]:
        return [views.rule(rule) for rule in self.rules]


def _preview_value(name: str, value: Any) -> Any:
    """A preview's value as the service would compute it: dates from ISO 8601, an appointment
    time (ISO 8601 with offset) written out in Copenhagen time, a kind code in words."""
    if name in ("deadline", "expires_on"):
        return _instant(value)
    if name in TIME_FIELDS:
        return _moment(value) or value  # plain text stays as it is
    if name == "appointment_kind" and isinstance(value, str) and value in APPOINTMENT_KINDS:
        return APPOINTMENT_KINDS[value]
    return value


def _spec(template_id: str) -> dict[str, Any]:
    spec = TEMPLATES.get(template_id)
    if spec is None:
        raise TemplateNotFound()
    return spec
