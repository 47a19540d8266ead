"""The citizen's inbox in the portal ("Beskeder"): every letter sent to them, newest first.

One event may reach a recipient on several channels (Digital Post, e-mail, SMS, a fallback);
the inbox shows it once, with the fullest text (Digital Post's letter before an e-mail before
an SMS) and every channel it went out on. Reading it marks all its copies read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row

from kit.auth import Principal
from kit.data_subjects import touched
from kit.db import read_only
from services.notifications import store
from services.notifications.domain import MessageNotFound
from services.notifications.usecases.base import NotificationsBase

FULLEST_FIRST = ("digital_post", "letter", "email", "sms")


def _fullness(channel: str) -> int:
    return FULLEST_FIRST.index(channel) if channel in FULLEST_FIRST else len(FULLEST_FIRST)


class Inbox(NotificationsBase):
    """Letters as their recipient reads them."""

    def my_inbox(self, principal: Principal) -> list[dict[str, Any]]:
        touched(principal.subject)
        with read_only(self.engine) as conn:
            rows = store.messages_to(conn, principal.subject, limit=500)
            read = store.read_letters(conn, principal.subject)
        letters: dict[str, list[Row]] = {}
        for row in rows:  # newest first; a dict keeps that order
            letters.setdefault(row.trigger_event_id, []).append(row)
        return [_letter(copies, read.get(event_id)) for event_id, copies in letters.items()]

    def mark_read(self, principal: Principal, message_id: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            row = store.message(conn, message_id)
            if row is None or row.recipient_id != principal.subject:
                raise MessageNotFound()  # not 403: do not confirm that it exists
            store.mark_letter_read(conn, row.trigger_event_id, principal.subject, self.clock())
        return next(
            letter for letter in self.my_inbox(principal) if message_id in letter["message_ids"]
        )


def _letter(copies: list[Row], read_at: Any) -> dict[str, Any]:
    shown = min(copies, key=lambda row: _fullness(row.channel))
    return {
        "id": shown.id,
        "message_ids": [row.id for row in copies],
        "citizen_id": shown.citizen_id,
        "recipient_role": shown.recipient_role,
        "subject": shown.subject,
        "body": shown.body,
        "language": shown.language,
        "channels": sorted({row.channel for row in copies}, key=_fullness),
        "sent_at": min(row.created_at for row in copies),
        "read_at": read_at,
    }
