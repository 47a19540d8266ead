"""The history of messages: a citizen's own, and staff's view of those about a citizen."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.engine import Row

from kit.auth import CITIZEN, Principal
from kit.data_subjects import touched
from kit.db import read_only
from kit.errors import Problem
from services.notifications import store, views
from services.notifications.domain import MessageNotFound
from services.notifications.usecases.base import NotificationsBase


class CitizenRequired(Problem):
    status = 422
    code = "notification.citizen_required"
    title_da = "Angiv hvilken borger det gælder"
    title_en = "Name the citizen this is about"


class History(NotificationsBase):
    """Messages sent, as their readers may see them."""

    def my_messages(self, principal: Principal) -> list[dict]:
        touched(principal.subject)
        with read_only(self.engine) as conn:
            return self._views(conn, store.messages_to(conn, principal.subject))

    def messages_about(self, citizen_id: str | None) -> list[dict]:
        if not citizen_id:
            raise CitizenRequired(field="citizen_id")
        touched(citizen_id)
        with read_only(self.engine) as conn:
            return self._views(conn, store.messages_about(conn, citizen_id))

    def message(self, principal: Principal, message_id: str) -> dict:
        with read_only(self.engine) as conn:
            row = store.message(conn, message_id)
            if row is not None:  # audited before the decision, refusals too
                touched(
                    row.citizen_id, *([row.recipient_id] if row.recipient_role != "staff" else [])
                )
            if row is None or (principal.kind == CITIZEN and row.recipient_id != principal.subject):
                raise MessageNotFound()  # not 403: do not confirm that it exists
            return self._views(conn, [row])[0]

    @staticmethod
    def _views(conn: Connection, rows: list[Row]) -> list[dict]:
        history = store.status_history(conn, [row.id for row in rows])
        return [views.message(row, history[row.id]) for row in rows]
