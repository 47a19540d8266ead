"""The history of messages: a citizen's own, and staff's view of those about a citizen."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.engine import Row

from kit import policy, relations
from kit.auth import CITIZEN, STAFF, Principal
from kit.data_subjects import touched
from kit.db import read_only
from kit.errors import Problem
from services.notifications import store, views
from services.notifications.domain import MessageNotFound
from services.notifications.usecases.base import NotificationsBase

ADMIN_ROLE = "notifications_admin"
VISIT_WINDOW = relations.VisitWindow.from_env()


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

    def messages_about(
        self, citizen_id: str | None, principal: Principal | None = None
    ) -> list[dict]:
        if not citizen_id:
            raise CitizenRequired(field="citizen_id")
        touched(citizen_id)
        with read_only(self.engine) as conn:
            if principal is not None:
                self._staff_relation(conn, principal, citizen_id)
            return self._views(conn, store.messages_about(conn, citizen_id))

    def _staff_relation(self, conn: Connection, principal: Principal, citizen_id: str) -> None:
        """Staff read what a citizen was told only through a relation (kit.policy); else
        404. The notifications administrator keeps the service running and reads all."""
        if principal.kind != STAFF or ADMIN_ROLE in principal.roles:
            return
        found = policy.Relations(
            assigned=relations.is_assigned(
                conn, store.assignment_view, principal.subject, citizen_id
            ),
            visit=relations.has_visit(
                conn, store.visit_view, principal.subject, citizen_id, self.clock(), VISIT_WINDOW
            ),
        )
        if policy.check(principal, citizen_id, found) is None:
            raise MessageNotFound()

    def message(self, principal: Principal, message_id: str) -> dict:
        with read_only(self.engine) as conn:
            row = store.message(conn, message_id)
            if row is not None:  # audited before the decision, refusals too
                touched(
                    row.citizen_id, *([row.recipient_id] if row.recipient_role != "staff" else [])
                )
            if row is None or (principal.kind == CITIZEN and row.recipient_id != principal.subject):
                raise MessageNotFound()  # not 403: do not confirm that it exists
            self._staff_relation(conn, principal, row.citizen_id)
            return self._views(conn, [row])[0]

    @staticmethod
    def _views(conn: Connection, rows: list[Row]) -> list[dict]:
        history = store.status_history(conn, [row.id for row in rows])
        return [views.message(row, history[row.id]) for row in rows]
