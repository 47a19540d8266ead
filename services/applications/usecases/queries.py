"""Reading applications: lists, one application, its guidance checks, history and documents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from kit import policy
from kit.auth import CITIZEN, MACHINE, Principal
from kit.clock import local_date
from kit.data_subjects import touched
from kit.db import read_only
from kit.idempotency import Outcome
from kit.policy import Relations
from services.applications import access, guidance, store
from services.applications.errors import Forbidden, InvalidRequest, NotFound
from services.applications.usecases.base import ApplicationsBase


class Queries(ApplicationsBase):
    """What a caller may read."""

    def list_for(self, principal: Principal, citizen_id: str | None = None) -> list[dict]:
        self._require_assurance(principal)
        with read_only(self.engine) as conn:
            if principal.kind == CITIZEN:
                represented = self._represented_scopes(conn, principal)
                visible = [principal.subject] + [
                    c for c, s in represented.items() if access.PROXY_READ in s
                ]
                wanted = [citizen_id] if citizen_id else visible
                touched(*wanted)  # asking is access too, even when refused or nothing is found
                if not set(wanted) <= set(visible):
                    raise NotFound(code="application.not_found")
                found = store.list_applications(conn, wanted)
                return self.views(conn, found, principal)
            if not citizen_id:
                raise InvalidRequest(
                    detail_en="name the citizen: ?citizen_id=<uuid>", field="citizen_id"
                )
            return self._list_for_staff_or_system(conn, principal, citizen_id)

    def _list_for_staff_or_system(
        self, conn: Connection, principal: Principal, citizen_id: str
    ) -> list[dict]:
        """Each application as much as the caller's relation to it allows; none: 404."""
        found = store.list_applications(conn, [citizen_id])
        if principal.kind == MACHINE:
            touched(citizen_id)
            if access.read_level(principal, {"citizen_id": citizen_id}, {}, None) is None:
                raise Forbidden()
            return self.views(conn, found, principal)
        related = [(a, self._staff_relations(conn, principal, citizen_id, a)) for a in found]
        union = Relations(
            assigned=any(r.assigned for _, r in related),
            caseload=any(r.caseload for _, r in related),
            visit=self._staff_relations(conn, principal, citizen_id).visit,
            break_glass_reason=next(
                (r.break_glass_reason for _, r in related if r.break_glass_reason), None
            ),
        )
        if self._decide(principal, citizen_id, union) is None:
            raise NotFound(code="application.not_found")  # the attempt is recorded all the same
        shown = []
        for application, relations in related:
            level = access.read_level(
                principal, application, {}, policy.decide(principal, relations)
            )
            if level == access.FULL:
                shown.append(self.view(conn, application, principal))
            elif level == access.SUMMARY:
                shown.append(self.summary(application))
        return shown

    def get(self, principal: Principal, application_id: str) -> Outcome:
        with read_only(self.engine) as conn:
            self._load_readable(conn, principal, application_id)
            return self._outcome(conn, application_id, principal)

    def checks(self, principal: Principal, application_id: str) -> dict[str, Any]:
        with read_only(self.engine) as conn:
            application = self._load_readable(conn, principal, application_id)
            findings = guidance.evaluate(
                self.app_type(application["type_id"]),
                application["answers"],
                store.attachment_requirements_met(conn, application_id),
                local_date(self.clock()),  # the day in Copenhagen, as the portal reckons it
            )
        return {
            "can_submit": not guidance.blocking(findings),
            "findings": [f.as_dict() for f in findings],
        }

    def history(self, principal: Principal, application_id: str) -> list[dict[str, Any]]:
        with read_only(self.engine) as conn:
            self._load_readable(conn, principal, application_id)
            return store.get_history(conn, application_id)

    def documents(self, principal: Principal, application_id: str) -> list[dict[str, Any]]:
        with read_only(self.engine) as conn:
            _, relations = self._load_with_relations(conn, principal, application_id)
            rows = store.list_documents(
                conn,
                application_id,
                include_internal=access.sees_internal_documents(principal, relations),
            )
        return [{k: v for k, v in row.items() if k != "sha256"} for row in rows]

    def document_content(
        self, principal: Principal, application_id: str, document_id: str
    ) -> dict[str, Any]:
        with read_only(self.engine) as conn:
            _, relations = self._load_with_relations(conn, principal, application_id)
            document = store.get_document(conn, application_id, document_id)
        hidden = (
            document
            and document["direction"] == "internal"
            and not access.sees_internal_documents(principal, relations)
        )
        if document is None or hidden or document["content"] is None:
            raise NotFound(code="application.document_not_found")
        return document
