"""Reading applications: lists, one application, its guidance checks, history and documents."""

from __future__ import annotations

from typing import Any

from kit.auth import CITIZEN, Principal
from kit.data_subjects import touched
from kit.db import read_only
from kit.idempotency import Outcome
from services.applications import access, domain, store
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
                if not set(wanted) <= set(visible):
                    raise NotFound(code="application.not_found")
            else:
                if not citizen_id:
                    raise InvalidRequest(
                        detail_en="name the citizen: ?citizen_id=<uuid>", field="citizen_id"
                    )
                probe = {"citizen_id": citizen_id}
                if not access.can_read(principal, probe, {}):
                    raise Forbidden()
                wanted = [citizen_id]
            touched(*wanted)  # asking is access too, even when nothing is found
            found = store.list_applications(conn, wanted)
            return [self.view(conn, a, principal) for a in found]

    def get(self, principal: Principal, application_id: str) -> Outcome:
        with read_only(self.engine) as conn:
            self._load_readable(conn, principal, application_id)
            return self._outcome(conn, application_id, principal)

    def checks(self, principal: Principal, application_id: str) -> dict[str, Any]:
        with read_only(self.engine) as conn:
            application = self._load_readable(conn, principal, application_id)
            findings = domain.evaluate(
                self.app_type(application["type_id"]),
                application["answers"],
                store.attachment_requirements_met(conn, application_id),
                self.clock().date(),
            )
        return {
            "can_submit": not domain.blocking(findings),
            "findings": [f.as_dict() for f in findings],
        }

    def history(self, principal: Principal, application_id: str) -> list[dict[str, Any]]:
        with read_only(self.engine) as conn:
            self._load_readable(conn, principal, application_id)
            return store.get_history(conn, application_id)

    def documents(self, principal: Principal, application_id: str) -> list[dict[str, Any]]:
        with read_only(self.engine) as conn:
            self._load_readable(conn, principal, application_id)
            rows = store.list_documents(
                conn, application_id, include_internal=access.sees_internal_documents(principal)
            )
        return [{k: v for k, v in row.items() if k != "sha256"} for row in rows]

    def document_content(
        self, principal: Principal, application_id: str, document_id: str
    ) -> dict[str, Any]:
        with read_only(self.engine) as conn:
            self._load_readable(conn, principal, application_id)
            document = store.get_document(conn, application_id, document_id)
        hidden = (
            document
            and document["direction"] == "internal"
            and not access.sees_internal_documents(principal)
        )
        if document is None or hidden or document["content"] is None:
            raise NotFound(code="application.document_not_found")
        return document
