"""The citizen's side (also staff in co-service): drafts, answers, submission, withdrawal and attachments."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from kit.auth import CITIZEN, STAFF, Principal
from kit.clock import local_date
from kit.data_subjects import touched
from kit.idempotency import Idempotency, Outcome
from kit.outbox import record_event
from schemas.events import applications as ev
from services.applications import attachments, domain, guidance, store
from services.applications.errors import (
    AttachmentRejected,
    CitizenConfirmationRequired,
    InvalidRequest,
    NotFound,
    VersionConflict,
)
from services.applications.usecases.base import ApplicationsBase


class CitizenCommands(ApplicationsBase):
    """Commands of the citizen or whoever helps them."""

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
            relations = self._staff_relations(conn, principal, citizen_id)
            granted = self._decide(principal, citizen_id, relations)
            if principal.kind == STAFF and granted is None:
                raise NotFound(code="application.not_found")  # no relation: no such citizen
            self._check_fill_in(conn, principal, citizen_id, relations)
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
        message: str | None = None,
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
            findings = guidance.evaluate(
                app_type,
                application["answers"],
                store.attachment_requirements_met(conn, application_id),
                local_date(self.clock()),  # the day in Copenhagen, as the portal reckons it
            )
            errors = guidance.blocking(findings)
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
                    reason=(message or "").strip() or "information provided",
                    information_deadline=None,
                )
                return self._outcome(conn, application_id, principal)
            now = self.clock()
            case_number = store.next_case_number(conn, local_date(now).year)
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
                document_date=local_date(self.clock()),
                requirement_id=requirement_id,
                filename=filename,
                content_type=content_type,
                content=content,
            )
            store.update_application(conn, application_id, application["version"])
            return document
