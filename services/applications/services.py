"""Use cases of the applications service: load, check access, apply the rules, save, and
record the events, each in one transaction."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from kit.auth import CITIZEN, STAFF, AssuranceTooLow, Principal
from kit.data_subjects import touched
from kit.errors import Problem
from kit.events import Actor, Event
from kit.idempotency import Idempotency, IdempotencyKeyReused
from kit.outbox import record_event
from schemas.events import applications as ev
from services.applications import access, attachments, domain, store
from services.applications.catalogue import ApplicationType, Catalogue
from services.applications.errors import (
    AttachmentRejected,
    CitizenConfirmationRequired,
    ConsentMissing,
    ConsentWithdrawn,
    DataSourceUnavailable,
    Forbidden,
    InvalidRequest,
    NotFound,
    UnknownType,
    VersionConflict,
)
from services.applications.sources import DataSource, SourceUnavailable

TOPIC = "applications"
SOURCE = "/services/applications"


@dataclass(frozen=True)
class Outcome:
    """What a command returns: the HTTP layer turns it into a response."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    replayed: bool = False


def etag(version: int) -> str:
    return f'"v{version}"'


def as_utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class ApplicationsService:
    def __init__(
        self,
        engine: Engine,
        catalogue: Catalogue,
        *,
        sources: dict[str, DataSource] | None = None,
        required_assurance: str = "Substantial",
        clock: Callable[[], datetime] = store.now,
        topic: str = TOPIC,
    ) -> None:
        self.engine = engine
        self.topic = topic
        self.catalogue = catalogue
        self.sources = sources or {}
        self.required_assurance = required_assurance
        self.clock = clock

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
            for citizen in store.principals_of_agent(conn, principal.subject, scope, self.clock()):
                scopes.setdefault(citizen, set()).add(scope)
        return scopes

    def _load_readable(
        self, conn: Connection, principal: Principal, application_id: str, for_update: bool = False
    ) -> dict[str, Any]:
        # Social case data is read at the same assurance level as it is written.
        self._require_assurance(principal)
        application = store.get_application(conn, application_id, for_update=for_update)
        represented = self._represented_scopes(conn, principal)
        if application is None or not access.can_read(principal, application, represented):
            raise NotFound(code="application.not_found")
        touched(application["citizen_id"])
        return application

    def _load_fillable(
        self, conn: Connection, principal: Principal, application_id: str
    ) -> dict[str, Any]:
        application = self._load_readable(conn, principal, application_id, for_update=True)
        represented = self._represented_scopes(conn, principal)
        if not access.can_fill_in(principal, application["citizen_id"], represented):
            raise Forbidden(detail_en="you may read but not change this application")
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
        self,
        idem: Idempotency | None,
        work: Callable[[Connection], Outcome],
        principal: Principal | None = None,
    ) -> Outcome:
        with self.engine.begin() as conn:
            if idem is None:
                return work(conn)
            if not store.claim_idempotency_key(conn, idem.caller, idem.key, idem.request_hash):
                stored = store.find_idempotent_response(conn, idem.caller, idem.key)
                assert stored is not None
                if stored["request_hash"] != idem.request_hash:
                    raise IdempotencyKeyReused(
                        "Nøglen er allerede brugt til en anden forespørgsel.",
                        "This key was already used for a different request.",
                    )
                if principal is not None and stored["body"].get("id"):
                    # A replay answers only someone who may still see the application.
                    self._load_readable(conn, principal, stored["body"]["id"])
                return Outcome(stored["status"], stored["body"], stored["headers"], True)
            outcome = work(conn)
            store.complete_idempotency_key(
                conn, idem.caller, idem.key, outcome.status, outcome.body, outcome.headers
            )
            return outcome

    def view(
        self, conn: Connection, application: dict[str, Any], principal: Principal
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
            "created_at": as_utc(application["created_at"]),
            "updated_at": as_utc(application["updated_at"]),
            "submitted_at": as_utc(application["submitted_at"]),
            "attested_by": application["attested_by"],
            "citizen_confirmed_at": as_utc(application["citizen_confirmed_at"]),
            "information_deadline": application["information_deadline"],
            "attachments_provided": sorted(
                store.attachment_requirements_met(conn, application["id"])
            ),
        }

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

    # -- queries -----------------------------------------------------------------------------

    def list_for(self, principal: Principal, citizen_id: str | None = None) -> list[dict]:
        self._require_assurance(principal)
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            self._load_readable(conn, principal, application_id)
            return self._outcome(conn, application_id, principal)

    def checks(self, principal: Principal, application_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            self._load_readable(conn, principal, application_id)
            return [
                {**row, "at": as_utc(row["at"])} for row in store.get_history(conn, application_id)
            ]

    def documents(self, principal: Principal, application_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            self._load_readable(conn, principal, application_id)
            rows = store.list_documents(
                conn, application_id, include_internal=access.sees_internal_documents(principal)
            )
        return [{k: v for k, v in row.items() if k != "sha256"} for row in rows]

    def document_content(
        self, principal: Principal, application_id: str, document_id: str
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
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

    # -- the citizen's side (also staff in co-service) ----------------------------------------

    def create_draft(
        self,
        principal: Principal,
        type_id: str,
        citizen_id: str | None,
        answers: dict[str, Any],
        idem: Idempotency | None,
    ) -> Outcome:
        app_type = self.app_type(type_id)
        self._require_assurance(principal)
        domain.check_fields_known(app_type, answers)
        if principal.kind == CITIZEN:
            citizen_id = citizen_id or principal.subject
        elif not citizen_id:
            raise InvalidRequest(
                "Angiv hvilken borger ansøgningen gælder.",
                "Name the citizen the application is for.",
                field="citizen_id",
            )

        def work(conn: Connection) -> Outcome:
            represented = self._represented_scopes(conn, principal)
            if not access.can_fill_in(principal, citizen_id, represented):
                raise Forbidden(detail_en="you may not apply on this citizen's behalf")
            now = self.clock()
            application = {
                "id": str(uuid.uuid4()),
                "type_id": type_id,
                "type_version": app_type.definition["version"].isoformat(),
                "title": app_type.title["da"],
                "citizen_id": citizen_id,
                "citizen_cpr": principal.cpr if principal.subject == citizen_id else None,
                "state": domain.DRAFT,
                "outcome": None,
                "answers": answers,
                "version": 1,
                "created_by": principal.subject,
                "created_by_type": principal.kind,
                "created_by_name": principal.name if principal.kind == STAFF else None,
                "channel": principal.channel,
                "created_at": now,
                "updated_at": now,
            }
            store.insert_application(conn, application)
            touched(citizen_id)
            store.add_history(
                conn,
                application_id=application["id"],
                action="create",
                from_state=None,
                to_state=domain.DRAFT,
                actor_id=principal.subject,
                actor_type=principal.kind,
                on_behalf_of=self._actor(principal, citizen_id).on_behalf_of,
                channel=principal.channel,
                reason=None,
            )
            record_event(
                conn,
                self.topic,
                self._event(
                    ev.CREATED,
                    principal,
                    application,
                    title=application["title"],
                    channel=principal.channel,
                ),
            )
            return self._outcome(conn, application["id"], principal, status=201)

        return self._with_idempotency(idem, work, principal)

    def save_answers(
        self,
        principal: Principal,
        application_id: str,
        answers: dict[str, Any],
        expected_version: int,
    ) -> Outcome:
        with self.engine.begin() as conn:
            application = self._load_fillable(conn, principal, application_id)
            domain.check_editable(application["state"])
            domain.check_fields_known(self.app_type(application["type_id"]), answers)
            merged = {**application["answers"], **answers}
            if application["version"] != expected_version or not store.update_application(
                conn, application_id, expected_version, answers=merged
            ):
                raise VersionConflict(extra={"current_version": application["version"]})
            record_event(
                conn,
                self.topic,
                self._event(
                    ev.UPDATED,
                    principal,
                    application,
                    changed_fields=sorted(answers),
                    version=expected_version + 1,
                ),
            )
            return self._outcome(conn, application_id, principal)

    def submit(
        self,
        principal: Principal,
        application_id: str,
        expected_version: int | None,
        idem: Idempotency | None,
        citizen_confirmed_at: datetime | None = None,
    ) -> Outcome:
        """Submit: the citizen's own act. Staff submitting for a citizen (co-service) send when
        the citizen confirmed it; the staff member is recorded as the one who attests that."""
        self._require_assurance(principal)

        def work(conn: Connection) -> Outcome:
            application = self._load_fillable(conn, principal, application_id)
            on_behalf = principal.kind == STAFF and principal.subject != application["citizen_id"]
            if on_behalf and citizen_confirmed_at is None:
                raise CitizenConfirmationRequired()
            if expected_version is not None and application["version"] != expected_version:
                raise VersionConflict(extra={"current_version": application["version"]})
            app_type = self.app_type(application["type_id"])
            findings = domain.evaluate(
                app_type,
                application["answers"],
                store.attachment_requirements_met(conn, application_id),
                self.clock().date(),
            )
            errors = domain.blocking(findings)
            if errors:
                raise domain.CannotSubmit(
                    "Ret fejlene, og prøv igen. Dine svar er gemt.",
                    "Correct the errors and try again. Your answers are saved.",
                    extra={"findings": [f.as_dict() for f in errors]},
                )
            if application["state"] == domain.AWAITING_CITIZEN:
                # The citizen answered the request for information: back to the caseworker.
                self._transition(
                    conn,
                    principal,
                    application,
                    "resume",
                    reason="information provided",
                    information_deadline=None,
                )
                return self._outcome(conn, application_id, principal)
            now = self.clock()
            case_number = store.next_case_number(conn, now.year)
            # A draft started by staff learns the CPR number when the citizen submits it.
            cpr = application["citizen_cpr"] or (
                principal.cpr if principal.subject == application["citizen_id"] else None
            )
            self._transition(
                conn,
                principal,
                application,
                "submit",
                case_number=case_number,
                submitted_at=now,
                citizen_cpr=cpr,
                attested_by=principal.subject if on_behalf else None,
                citizen_confirmed_at=(
                    citizen_confirmed_at.astimezone(UTC)
                    if on_behalf and citizen_confirmed_at
                    else None
                ),
            )
            record_event(
                conn,
                self.topic,
                self._event(
                    ev.SUBMITTED,
                    principal,
                    application,
                    case_number=case_number,
                    citizen_cpr=cpr,
                    title=application["title"],
                    submitted_at=now.isoformat(),
                    warnings=[f.code for f in findings if f.severity == "warning"],
                    attested_by=principal.subject if on_behalf else None,
                    citizen_confirmed_at=(
                        citizen_confirmed_at.isoformat()
                        if on_behalf and citizen_confirmed_at
                        else None
                    ),
                ),
            )
            return self._outcome(conn, application_id, principal)

        return self._with_idempotency(idem, work, principal)

    def withdraw(self, principal: Principal, application_id: str, reason: str | None) -> Outcome:
        with self.engine.begin() as conn:
            application = self._load_fillable(conn, principal, application_id)
            self._transition(conn, principal, application, "withdraw", reason=reason)
            record_event(
                conn,
                self.topic,
                self._event(
                    ev.WITHDRAWN,
                    principal,
                    application,
                    case_number=application["case_number"],
                    reason=reason,
                ),
            )
            return self._outcome(conn, application_id, principal)

    def add_attachment(
        self,
        principal: Principal,
        application_id: str,
        requirement_id: str,
        title: str,
        filename: str,
        content_type: str,
        content: bytes,
    ) -> dict:
        if len(content) == 0 or len(content) > attachments.MAX_ATTACHMENT_BYTES:
            raise AttachmentRejected(
                "Filen er tom eller større end 10 MB.",
                "The file is empty or larger than 10 MB.",
                code="application.attachment_too_large",
                field="file",
            )
        if content_type not in attachments.ATTACHMENT_TYPES or not attachments.content_matches(
            content_type, content
        ):
            raise AttachmentRejected(
                "Vedhæft en PDF, et billede (JPEG, PNG, HEIC) eller et Word-dokument.",
                "Attach a PDF, an image (JPEG, PNG, HEIC) or a Word document.",
                code="application.attachment_type",
                field="file",
            )
        with self.engine.begin() as conn:
            application = self._load_fillable(conn, principal, application_id)
            domain.check_editable(application["state"])
            if requirement_id not in self.app_type(application["type_id"]).attachments:
                raise InvalidRequest(
                    detail_en=f"this application asks for no {requirement_id}",
                    code="application.unknown_attachment",
                    field="requirement",
                )
            document = self._add_document(
                conn,
                principal,
                application,
                title=title,
                direction="incoming",
                document_date=date.today(),
                requirement_id=requirement_id,
                filename=filename,
                content_type=content_type,
                content=content,
            )
            store.update_application(conn, application_id, application["version"])
            return document

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

    # -- data fetched with consent ------------------------------------------------------------

    def fetch_data(self, principal: Principal, application_id: str, fetch_id: str) -> Outcome:
        with self.engine.connect() as conn:
            application = self._load_fillable(conn, principal, application_id)
            domain.check_editable(application["state"])
            fetch = self.app_type(application["type_id"]).data_fetches.get(fetch_id)
            if fetch is None or fetch["source"] not in self.sources:
                raise NotFound(code="application.unknown_fetch")
            consent = self._consent_for(conn, application, fetch)
        try:
            data = self.sources[fetch["source"]].fetch(
                citizen_id=application["citizen_id"],
                cpr=application["citizen_cpr"],
                categories=fetch["data_categories"],
            )
        except SourceUnavailable as exc:
            raise DataSourceUnavailable(detail_en=str(exc))
        with self.engine.begin() as conn:
            application = self._load_fillable(conn, principal, application_id)
            domain.check_editable(application["state"])  # it may have been submitted meanwhile
            # The consent is asked again after the fetch: a withdrawal that arrived meanwhile
            # wins, and what was fetched is thrown away.
            still = self._consent_for(conn, application, fetch, missing=ConsentWithdrawn)
            store.insert_fetched(
                conn,
                {
                    "application_id": application_id,
                    "fetch_id": fetch_id,
                    "source": fetch["source"],
                    "consent_id": still["consent_id"],
                    "data": data,
                },
            )
            prefill = {
                f: data[f]
                for f in fetch["fills_fields"]
                if f in data and application["answers"].get(f) in (None, "")
            }
            if prefill:
                store.update_application(
                    conn,
                    application_id,
                    application["version"],
                    answers={**application["answers"], **prefill},
                )
                record_event(
                    conn,
                    self.topic,
                    self._event(
                        ev.UPDATED,
                        principal,
                        application,
                        changed_fields=sorted(prefill),
                        version=application["version"] + 1,
                    ),
                )
            record_event(
                conn,
                self.topic,
                self._event(
                    ev.DATA_FETCHED,
                    principal,
                    application,
                    fetch_id=fetch_id,
                    source=fetch["source"],
                    consent_id=consent["consent_id"],
                ),
            )
            return self._outcome(conn, application_id, principal)

    def _consent_for(
        self,
        conn: Connection,
        application: dict[str, Any],
        fetch: dict[str, Any],
        missing: type[Problem] = ConsentMissing,
    ) -> dict:
        consent = store.find_valid_consent(
            conn,
            application["citizen_id"],
            fetch["purpose"],
            fetch["source"],
            fetch["data_categories"],
            application["id"],
            self.clock(),
        )
        if consent is None:
            raise missing(
                f"Giv samtykke til, at kommunen må hente '{fetch['title']['da']}', eller "
                f"udfyld oplysningerne selv.",
                f"Give consent for the municipality to fetch '{fetch['title']['en']}', or "
                f"fill in the information yourself.",
                extra={"purpose": fetch["purpose"], "source": fetch["source"]},
            )
        return consent

    # -- the case system's side ----------------------------------------------------------------

    def case_action(
        self, principal: Principal, application_id: str, action: str, params: dict[str, Any]
    ) -> Outcome:
        if not access.can_handle_case(principal):
            raise Forbidden(detail_en="only case handlers may do this")
        with self.engine.begin() as conn:
            application = self._load_readable(conn, principal, application_id, for_update=True)
            changes: dict[str, Any] = {}
            reason = params.get("reason")
            if action == "request_information":
                if params["deadline"] <= self.clock().date():
                    raise InvalidRequest(
                        "Fristen skal ligge i fremtiden.",
                        "The deadline must be in the future.",
                        code="application.deadline_in_past",
                        field="deadline",
                    )
                changes["information_deadline"] = params["deadline"]
                reason = params["message"]
            elif action == "resume":
                changes["information_deadline"] = None
            elif action == "decide":
                changes["outcome"] = params["outcome"]
            elif action == "pay" and application["outcome"] == "refused":
                raise domain.PaymentNotDue()
            self._transition(conn, principal, application, action, reason=reason, **changes)
            data = {"case_number": application["case_number"]}
            if action == "request_information":
                record_event(
                    conn,
                    self.topic,
                    self._event(
                        ev.INFORMATION_REQUESTED,
                        principal,
                        application,
                        **data,
                        deadline=params["deadline"].isoformat(),
                        message=params["message"],
                    ),
                )
            elif action == "decide":
                application = store.get_application(conn, application_id) or application
                letter = self._add_document(
                    conn,
                    principal,
                    application,
                    direction="outgoing",
                    title=params["letter_title"],
                    document_date=params.get("letter_date", date.today()),
                    content=params.get("letter_content"),
                    content_type=params.get("letter_content_type"),
                )
                record_event(
                    conn,
                    self.topic,
                    self._event(
                        ev.DECIDED,
                        principal,
                        application,
                        **data,
                        outcome=params["outcome"],
                        letter_document_id=letter["id"],
                    ),
                )
            elif action == "pay":
                record_event(
                    conn,
                    self.topic,
                    self._event(
                        ev.PAID_OUT,
                        principal,
                        application,
                        **data,
                        amount_ore=params["amount_ore"],
                        paid_on=params["paid_on"].isoformat(),
                    ),
                )
            return self._outcome(conn, application_id, principal)

    def add_case_document(
        self,
        principal: Principal,
        application_id: str,
        title: str,
        direction: str,
        document_date: date,
    ) -> dict[str, Any]:
        if not access.can_handle_case(principal):
            raise Forbidden(detail_en="only case handlers may do this")
        with self.engine.begin() as conn:
            application = self._load_readable(conn, principal, application_id, for_update=True)
            if application["state"] == domain.DRAFT:
                raise domain.IllegalTransition(detail_en="a draft has no case documents yet")
            return self._add_document(
                conn,
                principal,
                application,
                title=title,
                direction=direction,
                document_date=document_date,
            )

    # -- facts from the consents service (event handlers call these) --------------------------

    @staticmethod
    def record_consent(conn: Connection, data: dict[str, Any]) -> None:
        store.upsert_consent(
            conn,
            {
                "consent_id": data["consent_id"],
                "citizen_id": data["citizen_id"],
                "purpose": data["purpose"],
                "sources": data.get("sources") or [],
                "data_categories": data["data_categories"],
                "case_ref": data.get("case_ref"),
                "expires_at": _parse_time(data.get("expires_at")),
                "state": "active",
                "changed_at": _parse_time(data["given_at"]),
            },
        )

    @staticmethod
    def end_consent(conn: Connection, consent_id: str, state: str, at: str) -> None:
        store.set_consent_state(conn, consent_id, state, _parse_time(at) or store.now())

    @staticmethod
    def record_proxy(conn: Connection, data: dict[str, Any]) -> None:
        store.upsert_proxy(
            conn,
            {
                "proxy_id": data["proxy_id"],
                "citizen_id": data["citizen_id"],
                "agent_id": data["agent_id"],
                "scopes": data["scopes"],
                "valid_from": _parse_time(data["valid_from"]),
                "valid_until": _parse_time(data.get("valid_until")),
                "state": "active",
            },
        )

    @staticmethod
    def end_proxy(conn: Connection, proxy_id: str, state: str) -> None:
        store.set_proxy_state(conn, proxy_id, state)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
