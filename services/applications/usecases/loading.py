"""Loading an application with the caller's access checked: assurance level, the citizen's
own and represented cases, staff relations (kit.policy), and who may fill in or handle it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kit import policy, proxies
from kit.auth import CITIZEN, STAFF, AssuranceTooLow, Principal
from kit.data_subjects import touched
from kit.policy import Relations
from kit.relations import VisitWindow
from services.applications import access, casework_store, store
from services.applications.authority import ProxyAuthority
from services.applications.errors import Forbidden, NotFound


class AccessChecked:
    """Loads applications for a caller; set up by ApplicationsBase."""

    authority: ProxyAuthority
    required_assurance: str
    clock: Callable[[], datetime]
    visit_window: VisitWindow

    def _represented_scopes(self, conn: Connection, principal: Principal) -> dict[str, set[str]]:
        if principal.kind != CITIZEN:
            return {}
        wanted = {access.PROXY_READ, access.PROXY_WRITE}
        represented = proxies.represented_scopes(conn, principal.subject, self.clock())
        return {c: scopes & wanted for c, scopes in represented.items() if scopes & wanted}

    def _staff_relations(
        self, conn: Connection, principal: Principal, citizen_id: str, application: Any = None
    ) -> Relations:
        """What proves a staff member's relation to the citizen (and this case) right now."""
        if principal.kind != STAFF:
            return Relations()
        return casework_store.relations(
            conn, principal.subject, citizen_id, application, self.clock(), self.visit_window
        )

    def _decide(
        self, principal: Principal, citizen_id: str, relations: Relations
    ) -> policy.Access | None:
        """Record the attempt on the citizen's data (refusals too), then decide (kit.policy)."""
        if principal.kind == STAFF:
            return policy.check(principal, citizen_id, relations)
        touched(citizen_id)
        return None

    def _load_with_relations(
        self, conn: Connection, principal: Principal, application_id: str, for_update: bool = False
    ) -> tuple[dict[str, Any], Relations]:
        # Social case data is read at the same assurance level as it is written.
        self._require_assurance(principal)
        application = store.get_application(conn, application_id, for_update=for_update)
        if application is None:
            raise NotFound(code="application.not_found")
        citizen_id = application["citizen_id"]
        relations = self._staff_relations(conn, principal, citizen_id, application)
        granted = self._decide(principal, citizen_id, relations)
        represented = self._represented_scopes(conn, principal)
        if access.read_level(principal, application, represented, granted) != access.FULL:
            raise NotFound(code="application.not_found")
        return application, relations

    def _load_readable(
        self, conn: Connection, principal: Principal, application_id: str, for_update: bool = False
    ) -> dict[str, Any]:
        return self._load_with_relations(conn, principal, application_id, for_update)[0]

    def _load_fillable(
        self, conn: Connection, principal: Principal, application_id: str
    ) -> dict[str, Any]:
        application, relations = self._load_with_relations(
            conn, principal, application_id, for_update=True
        )
        self._check_fill_in(conn, principal, application["citizen_id"], relations, application)
        return application

    def _check_fill_in(
        self,
        conn: Connection,
        principal: Principal,
        citizen_id: str,
        relations: Relations,
        application: dict[str, Any] | None = None,
    ) -> None:
        """May the caller create or change this citizen's application? A write under a proxy
        is confirmed with the consents service (authority.py), not the local view alone."""
        represented = self._represented_scopes(conn, principal)
        if not access.can_fill_in(principal, citizen_id, represented, relations, application):
            raise Forbidden(detail_en="you may read but not change this application")
        if principal.kind == CITIZEN and principal.subject != citizen_id:
            self.authority.confirm(citizen_id, access.PROXY_WRITE)

    def _load_handled(
        self, conn: Connection, principal: Principal, application_id: str
    ) -> dict[str, Any]:
        """An application the caller may handle as a case (caseworker, case system)."""
        application, relations = self._load_with_relations(
            conn, principal, application_id, for_update=True
        )
        if not access.can_handle_case(principal, relations):
            raise Forbidden(detail_en="only case handlers may do this")
        return application

    def _require_assurance(self, principal: Principal) -> None:
        if principal.kind == CITIZEN and not principal.has_assurance(self.required_assurance):
            raise AssuranceTooLow(
                f"For at søge skal du logge ind med MitID på sikringsniveau "
                f"'{self.required_assurance}' eller højere. Log ud, og log ind igen med MitID.",
                f"To apply you must log in with MitID at assurance level "
                f"'{self.required_assurance}' or higher. Log out and log in again with MitID.",
                extra={"required_assurance": self.required_assurance},
            )
