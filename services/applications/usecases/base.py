"""What every use case of the applications service shares: the set-up, events with the actor,
transitions through the state machine with history, and documents. Loading with access
checked is in loading.py, the views returned to the caller in views.py."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from kit.auth import Principal
from kit.events import Actor, Event
from kit.idempotency import Idempotency, Outcome, run_once
from kit.outbox import record_event
from kit.relations import VisitWindow
from schemas.events import applications as ev
from services.applications import domain, store
from services.applications.authority import LocalViewOnly, ProxyAuthority
from services.applications.catalogue import Catalogue
from services.applications.errors import InvalidRequest, VersionConflict
from services.applications.sources import DataSource
from services.applications.usecases.loading import AccessChecked
from services.applications.usecases.views import ApplicationViews, etag

__all__ = ["SOURCE", "TOPIC", "ApplicationsBase", "etag"]

TOPIC = "applications"
SOURCE = "/services/applications"


class ApplicationsBase(AccessChecked, ApplicationViews):
    """The state every use case needs, and the steps they share."""

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
