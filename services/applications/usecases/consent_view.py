"""Facts from the consents service kept as a local view (event handlers call these)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from services.applications import store
from services.applications.usecases.base import ApplicationsBase


class ConsentView(ApplicationsBase):
    """The local view of consents (powers of attorney: kit.proxies)."""

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


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
