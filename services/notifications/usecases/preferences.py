"""Contacts and preferences: how and in which language a person is reached."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from kit.auth import Principal
from kit.data_subjects import touched
from kit.db import read_only
from services.notifications import store, views
from services.notifications.usecases.base import NotificationsBase


class Preferences(NotificationsBase):
    """A person's contact record."""

    def preferences(self, principal: Principal) -> dict:
        touched(principal.subject)
        with read_only(self.engine) as conn:
            return views.contact(self.contacts.contact(conn, principal.subject))

    def set_preferences(self, principal: Principal, body: Mapping[str, Any]) -> dict:
        """The citizen's own: address, phone, language and channels (not the exemption)."""
        touched(principal.subject)
        with self.engine.begin() as conn:
            current = self.contacts.contact(conn, principal.subject)
            updated = replace(current, **_contact_fields(body))
            store.save_contact(conn, updated, self.clock())
            return views.contact(updated)

    def set_contact(self, person_id: str, body: Mapping[str, Any]) -> dict:
        """An administrator's (the simulated directory's) record, incl. the exemption."""
        touched(person_id)
        with self.engine.begin() as conn:
            current = self.contacts.contact(conn, person_id)
            updated = replace(
                current,
                **_contact_fields(body),
                digital_post_exempt=body.get("digital_post_exempt", current.digital_post_exempt),
            )
            store.save_contact(conn, updated, self.clock())
            return views.contact(updated)


def _contact_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {k: body[k] for k in ("email", "phone", "language") if k in body}
    if "channels" in body:
        fields["channels"] = tuple(body["channels"]) if body["channels"] is not None else None
    return fields
