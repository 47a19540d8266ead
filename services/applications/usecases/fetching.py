"""Data fetched from a register, only with a valid consent that still holds when the data arrives."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from kit.auth import Principal
from kit.errors import Problem
from kit.idempotency import Outcome
from kit.outbox import record_event
from schemas.events import applications as ev
from services.applications import domain, store
from services.applications.errors import (
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
