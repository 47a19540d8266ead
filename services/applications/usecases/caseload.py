"""The caseworker's side of casework beyond the case actions: the queue of cases the unit
handles, the case page's extras (payments, internal notes, consents, fetched data), and
break-glass access to a case outside one's relations."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from kit import break_glass, policy
from kit.auth import STAFF, Principal
from kit.db import read_only
from services.applications import access, casework_store, domain
from services.applications.errors import Forbidden, InvalidRequest, NotFound
from services.applications.usecases.base import ApplicationsBase

# Break-glass is kit.break_glass's, as in consents and appointments; here it opens one case.
REASON_REQUIRED = "application.break_glass_reason_required"


def _cursor(row: dict[str, Any]) -> str:
    moment = row["submitted_at"]
    assert moment is not None
    raw = f"{moment.isoformat()}|{row['id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, application_id = raw.split("|", 1)
        return datetime.fromisoformat(moment), application_id
    except ValueError:
        raise InvalidRequest(
            detail_en="this cursor is not one the queue gave",
            code="queue.bad_cursor",
            field="after",
        )


class CaseQueue(ApplicationsBase):
    def queue(
        self,
        principal: Principal,
        *,
        states: list[str] | None = None,
        type_id: str | None = None,
        assignee: str | None = None,
        older_than_days: int | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        """Cases the caseworker may handle, oldest first, with counts per state."""
        if principal.kind != STAFF or policy.CASEWORKER not in principal.roles:
            raise Forbidden(detail_en="the caseworker role is needed", code="auth.missing_role")
        now = self.clock()
        with read_only(self.engine) as conn:
            rows, counts = casework_store.queue(
                conn,
                principal.subject,
                states=tuple(states or casework_store.OPEN_STATES),
                type_id=type_id,
                assignee=principal.subject if assignee == "me" else assignee,
                submitted_before=(
                    now - timedelta(days=older_than_days) if older_than_days else None
                ),
                after=_after(after),
                limit=limit,
            )
        for row in rows:
            # The queue shows whose cases they are: that is access to each citizen's data.
            policy.check(principal, row["citizen_id"], policy.Relations(caseload=True))
        return {
            "items": [self._queue_item(row, now) for row in rows],
            "counts": counts,
            "total": sum(counts.values()),
            "next": _cursor(rows[-1]) if len(rows) == limit else None,
        }

    def _queue_item(self, row: dict[str, Any], now: datetime) -> dict[str, Any]:
        app_type = self.app_type(row["type_id"])
        key = domain.status_key(row["state"], row["outcome"])
        submitted = row["submitted_at"]
        return {
            "id": row["id"],
            "type": row["type_id"],
            "type_title": app_type.title,
            "title": row["title"],
            "case_number": row["case_number"],
            "state": row["state"],
            "status_text": app_type.status(key)["text"] if key else None,
            "citizen_id": row["citizen_id"],
            "assignee_id": row["assignee_id"],
            "submitted_at": submitted,
            "age_days": (now - submitted).days if submitted else None,
            "information_deadline": row["information_deadline"],
        }

    # -- the case page's extras ----------------------------------------------------------------

    def case_file(self, principal: Principal, application_id: str) -> dict[str, Any]:
        """What a case handler sees beside the application: payments, internal notes, the
        citizen's consents this case may use, and the data fetched with the consent used."""
        with read_only(self.engine) as conn:
            application, relations = self._load_with_relations(conn, principal, application_id)
            internal = access.sees_internal_documents(principal, relations)
            app_type = self.app_type(application["type_id"])
            purposes = {f["purpose"] for f in app_type.data_fetches.values()}
            return {
                "assignee_id": application["assignee_id"],
                "granted_amount_ore": application["granted_amount_ore"],
                "payments": [
                    {k: v for k, v in p.items() if k != "application_id"}
                    for p in casework_store.list_payments(conn, application_id)
                ],
                "notes": casework_store.list_notes(conn, application_id) if internal else [],
                "consents": [
                    {
                        **c,
                        "relevant": c["purpose"] in purposes
                        and c["case_ref"] in (None, application_id),
                    }
                    for c in casework_store.consents_of(conn, application["citizen_id"])
                ],
                "fetched": [
                    {k: v for k, v in f.items() if k != "application_id"}
                    for f in casework_store.fetched_of(conn, application_id)
                ],
                "fetches": [
                    {"id": fetch_id, **fetch} for fetch_id, fetch in app_type.data_fetches.items()
                ],
            }

    # -- break-glass ---------------------------------------------------------------------------

    def break_glass(self, principal: Principal, case_number: str, reason: str) -> dict[str, Any]:
        """Open a case outside one's relations: a stated reason, read only, for a short
        while; the audit trail shows it to the citizen and flags it to the auditor."""
        if principal.kind != STAFF:
            raise Forbidden(detail_en="only staff break the glass")
        stated = break_glass.stated_reason(reason, code=REASON_REQUIRED)
        with self.engine.begin() as conn:
            application = casework_store.find_by_case_number(conn, case_number.strip())
            if application is None or application["state"] == domain.DRAFT:
                raise NotFound(code="application.not_found")
            grant = break_glass.open_grant(
                conn,
                casework_store.break_glass,
                principal,
                application["citizen_id"],
                stated,
                self.clock(),
                application_id=application["id"],
            )
        return {
            "application_id": application["id"],
            "case_number": application["case_number"],
            "expires_at": grant["expires_at"],
        }
