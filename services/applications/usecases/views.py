"""What the caller gets back: an application's view (status text from its type, attachments,
values fetched with consent), a visit's summary, and the HTTP outcome with its ETag."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from kit.auth import Principal
from kit.idempotency import Outcome
from services.applications import domain, store
from services.applications.catalogue import ApplicationType, Catalogue
from services.applications.errors import UnknownType


def etag(version: int) -> str:
    return f'"v{version}"'


class ApplicationViews:
    """Views of applications; set up by ApplicationsBase."""

    catalogue: Catalogue

    def app_type(self, type_id: str) -> ApplicationType:
        app_type = self.catalogue.get(type_id)
        if app_type is None:
            raise UnknownType(
                f"Ukendt ansøgningstype: {type_id}",
                f"Unknown application type: {type_id}",
                field="type",
            )
        return app_type

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
        return {
            **self.summary(application),
            "outcome": application["outcome"],
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
        key = domain.status_key(application["state"], application["outcome"])
        status = self.app_type(application["type_id"]).status(key) if key else None
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
