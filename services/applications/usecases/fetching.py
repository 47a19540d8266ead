"""Data fetched from a register, only with a valid consent that still holds when the data arrives.

Two callers use the same gate: whoever fills in a draft (the citizen, or staff with them on a
visit), where what is fetched fills empty answers; and the case handler of a sent case, where
it is kept beside the citizen's answers as evidence with its source and consent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from kit.auth import STAFF, Principal
from kit.errors import Problem
from kit.idempotency import Outcome
from kit.outbox import record_event
from schemas.events import applications as ev
from services.applications import access, domain, store
from services.applications.errors import (
    CaseConsentMissing,
    ConsentMissing,
    ConsentWithdrawn,
    DataSourceUnavailable,
    NotFound,
)
from services.applications.sources import SourceUnavailable
from services.applications.usecases.base import ApplicationsBase


class ConsentGatedFetch(ApplicationsBase):
    """Fetching with consent."""

    def fetch_data(self, principal: Principal, application_id: str, fetch_id: str) -> Outcome:
        with self.engine.connect() as conn:
            application, for_case = self._load_for_fetch(conn, principal, application_id)
            fetch = self.app_type(application["type_id"]).data_fetches.get(fetch_id)
            if fetch is None or fetch["source"] not in self.sources:
                raise NotFound(code="application.unknown_fetch")
            missing = CaseConsentMissing if for_case else ConsentMissing
            self._consent_for(conn, application, fetch, missing)  # none in the view: say so
        # The local view may lag behind a withdrawal: the consents register confirms the
        # consent before anything is fetched, and again before anything is kept (ADR 0018).
        question = {
            "citizen_id": application["citizen_id"],
            "purpose": fetch["purpose"],
            "case_ref": application["id"],
            "data_categories": list(fetch["data_categories"]),
            "source": fetch["source"],
        }
        self.authority.confirm_consent(question)
        try:
            data = self.sources[fetch["source"]].fetch(
                citizen_id=application["citizen_id"],
                cpr=application["citizen_cpr"],
                categories=fetch["data_categories"],
            )
        except SourceUnavailable as exc:
            raise DataSourceUnavailable(detail_en=str(exc))
        confirmed = self.authority.confirm_consent(question, refused=ConsentWithdrawn)
        with self.engine.begin() as conn:
            # It may have been submitted (or decided) meanwhile.
            application, for_case = self._load_for_fetch(conn, principal, application_id)
            # The consent is asked again after the fetch: a withdrawal that arrived meanwhile
            # wins, and what was fetched is thrown away.
            still = self._consent_for(conn, application, fetch, missing=ConsentWithdrawn)
            consent_id = confirmed or still["consent_id"]
            store.insert_fetched(
                conn,
                {
                    "application_id": application_id,
                    "fetch_id": fetch_id,
                    "source": fetch["source"],
                    "consent_id": consent_id,
                    "data": data,
                },
            )
            prefill = {
                f: data[f]
                for f in fetch["fills_fields"]
                if not for_case and f in data and application["answers"].get(f) in (None, "")
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
                    consent_id=consent_id,
                ),
            )
            return self._outcome(conn, application_id, principal)

    def _load_for_fetch(
        self, conn: Connection, principal: Principal, application_id: str
    ) -> tuple[dict[str, Any], bool]:
        """The application, and whether this is a fetch for the case (its handler, once it is
        sent) rather than into a draft's answers; refused if the caller may do neither now."""
        application, relations = self._load_with_relations(
            conn, principal, application_id, for_update=True
        )
        for_case = (
            principal.kind == STAFF
            and application["state"] != domain.DRAFT
            and access.can_handle_case(principal, relations)
        )
        if not for_case:
            self._check_fill_in(conn, principal, application["citizen_id"], relations, application)
            domain.check_editable(application["state"])
            return application, False
        domain.check_open_case(application["state"])
        return application, True

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
        if consent is None and missing is CaseConsentMissing:
            raise missing(
                f"Borgeren har ikke et samtykke i kraft, der lader kommunen hente "
                f"'{fetch['title']['da']}' til denne sag. Intet er hentet. Bed borgeren om "
                f"samtykke, eller bed om oplysningerne under 'Bed om oplysninger'.",
                f"The citizen has no consent in force that lets the municipality fetch "
                f"'{fetch['title']['en']}' for this case. Nothing was fetched. Ask the "
                f"citizen for consent, or ask for the information under 'Request information'.",
                extra={"purpose": fetch["purpose"], "source": fetch["source"]},
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
