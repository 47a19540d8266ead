"""Units, their members and caseloads: data an administrator keeps (role `admin`)."""

from __future__ import annotations

from typing import Any

from kit.auth import STAFF, Principal
from kit.db import read_only
from kit.policy import ADMIN
from services.applications import organisation_store
from services.applications.errors import Forbidden, InvalidRequest, NotFound
from services.applications.usecases.base import ApplicationsBase


class UnitNotFound(NotFound):
    code = "unit.not_found"
    title_da = "Enheden findes ikke"
    title_en = "No such unit"


def _require_admin(principal: Principal) -> None:
    if principal.kind != STAFF or ADMIN not in principal.roles:
        raise Forbidden(detail_en="the admin role is needed", code="auth.missing_role")


class Organisation(ApplicationsBase):
    """Who works in which unit, and which cases each unit handles."""

    def units(self, principal: Principal) -> list[dict[str, Any]]:
        _require_admin(principal)
        with read_only(self.engine) as conn:
            return organisation_store.list_units(conn)

    def save_unit(self, principal: Principal, unit_id: str, name: str) -> dict[str, Any]:
        _require_admin(principal)
        with self.engine.begin() as conn:
            organisation_store.save_unit(conn, unit_id, name)
            return self._unit(conn, unit_id)

    def add_member(self, principal: Principal, unit_id: str, staff_id: str) -> dict[str, Any]:
        _require_admin(principal)
        with self.engine.begin() as conn:
            self._existing(conn, unit_id)
            organisation_store.add_member(conn, unit_id, staff_id)
            return self._unit(conn, unit_id)

    def remove_member(self, principal: Principal, unit_id: str, staff_id: str) -> dict[str, Any]:
        _require_admin(principal)
        with self.engine.begin() as conn:
            self._existing(conn, unit_id)
            organisation_store.remove_member(conn, unit_id, staff_id)
            return self._unit(conn, unit_id)

    def add_caseload(
        self, principal: Principal, unit_id: str, type_id: str | None, citizen_id: str | None
    ) -> dict[str, Any]:
        _require_admin(principal)
        if (type_id is None) == (citizen_id is None):
            raise InvalidRequest(
                "Angiv enten en ansøgningstype eller en borger.",
                "Name either an application type or a citizen.",
                code="unit.caseload_invalid",
                field="type_id",
            )
        if type_id is not None:
            self.app_type(type_id)
        with self.engine.begin() as conn:
            self._existing(conn, unit_id)
            organisation_store.add_caseload(conn, unit_id, type_id, citizen_id)
            return self._unit(conn, unit_id)

    def remove_caseload(
        self, principal: Principal, unit_id: str, caseload_id: str
    ) -> dict[str, Any]:
        _require_admin(principal)
        with self.engine.begin() as conn:
            self._existing(conn, unit_id)
            organisation_store.remove_caseload(conn, unit_id, caseload_id)
            return self._unit(conn, unit_id)

    @staticmethod
    def _existing(conn, unit_id: str) -> None:
        if not organisation_store.unit_exists(conn, unit_id):
            raise UnitNotFound()

    @staticmethod
    def _unit(conn, unit_id: str) -> dict[str, Any]:
        return next(u for u in organisation_store.list_units(conn) if u["id"] == unit_id)
