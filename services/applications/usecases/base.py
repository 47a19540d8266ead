"""What every use case of the applications service shares: loading an application with the
caller's access checked, events with the actor, transitions through the state machine with
history, documents, and the view returned to the caller."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from kit import policy, proxies
from kit.auth import CITIZEN, STAFF, AssuranceTooLow, Principal
from kit.data_subjects import touched
from kit.events import Actor, Event
from kit.idempotency import Idempotency, Outcome, run_once
from kit.outbox import record_event
from kit.policy import Relations
from kit.relations import VisitWindow
from schemas.events import applications as ev
from services.applications import access, casework_store, domain, store
from services.applications.authority import LocalViewOnly, ProxyAuthority
from services.applications.catalogue import ApplicationType, Catalogue
from services.applications.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    UnknownType,
    VersionConflict,
)
from services.applications.sources import DataSource

TOPIC = "applications"
SOURCE = "/services/applications"


def etag(version: int) -> str:
    return f'"v{version}"'


class ApplicationsBase:
    def __init__(
        self,
        engine: Engine,
        catalogue: Catalogue,
        *,
        sources: dict[str, DataSource] | None = None,
        required_assurance: str = "Substantial",
        clock: Callable[[], datetime] = store.now,
        topic: str = TOPIC,
        authority: ProxyAuthority | None = None,
        visit_window: VisitWindow | None = None,
    ) -> None:
        self.engine = engine
        self.authority = authority or LocalViewOnly()
        self.topic = topic
        self.catalogue = catalogue
        self.sources = sources or {}
        self.required_assurance = required_assurance
        self.clock = clock
        self.visit_window = visit_window or VisitWindow.from_env()

    # -- helpers -----------------------------------------------------------------------------

    def app_type(self, type_id: str) -> ApplicationType:
        app_type = self.catalogue.get(type_id)
        if app_type is None:
            raise UnknownType(
                f"Ukendt ansøgningstype: {type_id}",
                f"Unknown application type: {type_id}",
                field="type",
            )
        return app_type

    def _represented_scopes(self, conn: Connection, principal: Principal) -> dict[str, set[str]]:
        scopes: dict[str, set[str]] = {}
        if principal.kind != CITIZEN:
            return scopes
        for scope in (access.PROXY_READ, access.PROXY_WRITE):
            for citizen in proxies.represented_by(conn, principal.subject, scope, self.clock()):
                scopes.setdefault(citizen, set()).add(scope)
        return scopes

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

    def _actor(self, principal: Principal, citizen_id: str) -> Actor:
        return Actor(
            id=principal.subject,
            type=principal.kind,
            channel=principal.channel,
            on_behalf_of=None if principal.subject == citizen_id else citizen_id,
        )

    def _event(
        self, event_type: str, principal: Principal, application: dict[str, Any], **data: Any
    ) -> Event:
        return Event(
            type=event_type,
            source=SOURCE,
            subject=application["id"],
            actor=self._actor(principal, application["citizen_id"]),
            data={
                "application_id": application["id"],
                "citizen_id": application["citizen_id"],
                "type_id": application["type_id"],
                **data,
            },
        )

    def _with_idempotency(
        self, idem: Idempotency | None, work: Callable[[Connection], Outcome], principal: Principal
    ) -> Outcome:
        def recheck(conn: Connection, replay: Outcome) -> None:
            # A replay answers only someone who may still see the application.
            self._load_readable(conn, principal, replay.body["id"])

        with self.engine.begin() as conn:
            return run_once(conn, idem, work, recheck=recheck)

    def views(
        self, conn: Connection, applications: list[dict[str, Any]], principal: Principal
    ) -> list[dict[str, Any]]:
        """Many applications' views with two queries in all, not two per application."""
        ids = [a["id"] for a in applications]
        met = store.attachment_requirements_met_many(conn, ids)
        fetched = store.list_fetched_many(conn, ids)
        return [
            self.view(conn, a, principal, met.get(a["id"], set()), fetched.get(a["id"], []))
            for a in applications
        ]

    def view(
        self,
        conn: Connection,
        application: dict[str, Any],
        principal: Principal,
        met: set[str] | None = None,
        fetched: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        app_type = self.app_type(application["type_id"])
        key = domain.status_key(application["state"], application["outcome"])
        status = app_type.status(key) if key else None
        return {
            "id": application["id"],
            "type": application["type_id"],
            "title": application["title"],
            "case_number": application["case_number"],
            "state": application["state"],
            "outcome": application["outcome"],
            "status_text": status["text"] if status else {"da": "Kladde", "en": "Draft"},
            "citizen_id": application["citizen_id"],
            "answers": application["answers"],
            "version": application["version"],
            "channel": application["channel"],
            "created_by": {
                "id": application["created_by"],
                "type": application["created_by_type"],
                "name": application["created_by_name"],
            },
            "created_at": application["created_at"],
            "updated_at": application["updated_at"],
            "submitted_at": application["submitted_at"],
            "attested_by": application["attested_by"],
            "citizen_confirmed_at": application["citizen_confirmed_at"],
            "information_deadline": application["information_deadline"],
            "attachments_provided": sorted(
                store.attachment_requirements_met(conn, application["id"]) if met is None else met
            ),
            "fetched": self._fetched(conn, application, fetched),
            "assignee_id": application["assignee_id"],
            "granted_amount_ore": application["granted_amount_ore"],
        }

    def summary(self, application: dict[str, Any]) -> dict[str, Any]:
        """That a case exists and how it stands, without its content (a visit's view)."""
        app_type = self.app_type(application["type_id"])
        key = domain.status_key(application["state"], application["outcome"])
        status = app_type.status(key) if key else None
        return {
            "id": application["id"],
            "type": application["type_id"],
            "title": application["title"],
            "case_number": application["case_number"],
            "state": application["state"],
            "status_text": status["text"] if status else {"da": "Kladde", "en": "Draft"},
            "citizen_id": application["citizen_id"],
            "submitted_at": application["submitted_at"],
        }

    def _fetched(
        self,
        conn: Connection,
        application: dict[str, Any],
        rows: list[dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """What was fetched with consent into which fields, so a page can say where a value
        came from and when (the citizen may still correct it)."""
        fetches = self.app_type(application["type_id"]).data_fetches
        return [
            {
                "fetch_id": row["fetch_id"],
                "source": row["source"],
                "fetched_at": row["fetched_at"],
                "values": {
                    f: row["data"][f]
                    for f in fetches.get(row["fetch_id"], {}).get("fills_fields", [])
                    if f in row["data"]
                },
            }
            for row in (store.list_fetched(conn, application["id"]) if rows is None else rows)
        ]

    def _outcome(
        self, conn: Connection, application_id: str, principal: Principal, status: int = 200
    ) -> Outcome:
        application = store.get_application(conn, application_id)
        assert application is not None
        return Outcome(
            status,
            self.view(conn, application, principal),
            {
                "ETag": etag(application["version"]),
                "Location": f"/api/applications/{application_id}",
            },
        )

    def _transition(
        self,
        conn: Connection,
        principal: Principal,
        application: dict[str, Any],
        action: str,
        reason: str | None = None,
        **changes: Any,
    ) -> str:
        """Move the application through the state machine, with history and events."""
        to_state = domain.next_state(application["state"], action)
        if not store.update_application(
            conn, application["id"], application["version"], state=to_state, **changes
        ):
            raise VersionConflict()
        store.add_history(
            conn,
            application_id=application["id"],
            action=action,
            from_state=application["state"],
            to_state=to_state,
            actor_id=principal.subject,
            actor_type=principal.kind,
            on_behalf_of=self._actor(principal, application["citizen_id"]).on_behalf_of,
            channel=principal.channel,
            reason=reason,
        )
        app_type = self.app_type(application["type_id"])
        outcome = changes.get("outcome", application["outcome"])
        status = app_type.status(domain.status_key(to_state, outcome) or "submitted")
        record_event(
            conn,
            self.topic,
            self._event(
                ev.STATUS_CHANGED,
                principal,
                application,
                case_number=changes.get("case_number", application["case_number"]),
                from_state=application["state"],
                to_state=to_state,
                outcome=outcome,
                status_text=status["text"],
                notify_citizen=status["notify_citizen"],
                reason=reason,
                title=application["title"],
            ),
        )
        return to_state

    def _add_document(
        self, conn: Connection, principal: Principal, application: dict[str, Any], **document: Any
    ) -> dict[str, Any]:
        title = (document.get("title") or "").strip()
        if not title or len(title) > 255:
            raise InvalidRequest(
                "Giv dokumentet en titel på højst 255 tegn.",
                "Give the document a title of at most 255 characters.",
                field="title",
                code="application.document_title",
            )
        content = document.pop("content", None)
        row = {
            "id": str(uuid.uuid4()),
            "application_id": application["id"],
            "added_by": principal.subject,
            "requirement_id": None,
            "filename": None,
            "content_type": None,
            **document,
            "title": title,
            "content": content,
            "size": len(content) if content else None,
            "sha256": hashlib.sha256(content).hexdigest() if content else None,
        }
        store.insert_document(conn, row)
        record_event(
            conn,
            self.topic,
            self._event(
                ev.DOCUMENT_ADDED,
                principal,
                application,
                document_id=row["id"],
                title=title,
                direction=row["direction"],
                document_date=row["document_date"].isoformat(),
            ),
        )
        return {k: v for k, v in row.items() if k not in ("content", "sha256")}
