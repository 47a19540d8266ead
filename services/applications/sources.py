"""Adapters for data fetched from other authorities (income, wealth), with a simulated source.

A real adapter (e.g. eIndkomst through Serviceplatformen) implements `DataSource`; the
applications service only calls it while a valid consent exists (services.fetch_data).
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any, Protocol

from kit import adapters


class SourceUnavailable(Exception):
    """The other authority did not answer; the citizen may try again later."""


class DataSource(Protocol):
    def fetch(self, *, citizen_id: str, cpr: str | None, categories: list[str]) -> dict[str, Any]:
        """The requested data about the citizen, as field values."""
        ...


class SimulatedIncomeSource:
    """Development stand-in for an income/wealth register: stable made-up figures per citizen.

    `calls` counts fetches and `before_return` lets a test act while a fetch is in flight
    (e.g. withdraw the consent), as a slow real register would allow.
    """

    def __init__(self) -> None:
        self.calls = 0
        self.before_return: Any = None
        self._lock = threading.Lock()

    def fetch(self, *, citizen_id: str, cpr: str | None, categories: list[str]) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        seed = int(hashlib.sha256(citizen_id.encode()).hexdigest()[:8], 16)
        figures = {"monthly_income": 12000 + seed % 20000, "wealth": seed % 30000}
        if self.before_return is not None:
            self.before_return()
        return {
            key: value
            for key, value in figures.items()
            if key in ("monthly_income", "wealth")
            and ("income" in categories or "wealth" in categories)
        }


class SimulatedRegister:
    """Development stand-in for a register or a professional's record (CPR, the citizen's own
    doctor, an occupational therapist): stable made-up answers per citizen, for the categories
    asked. What a real adapter returns are field values too; only the catalogue's
    `fills_fields` reach the form."""

    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers = answers  # category -> field values
        self.calls = 0

    def fetch(self, *, citizen_id: str, cpr: str | None, categories: list[str]) -> dict[str, Any]:
        self.calls += 1
        data: dict[str, Any] = {}
        for category in categories:
            data.update(self.answers.get(category, {}))
        return data


def simulated_sources() -> dict[str, DataSource]:
    """Every source the catalogue names, simulated, until real adapters are configured."""
    return {
        "eindkomst": SimulatedIncomeSource(),
        "cpr": SimulatedRegister({"civil_status": {"household": "single"}}),
        "general_practitioner": SimulatedRegister(
            {
                "health": {"health_summary": "Oplysninger fra egen læge (simuleret)"},
                "functional_ability": {"functional_summary": "Vurdering fra egen læge (simuleret)"},
            }
        ),
        "occupational_therapist": SimulatedRegister(
            {
                "functional_ability": {"functional_summary": "Ergoterapeutens vurdering"},
                "housing": {"housing_summary": "Boligens indretning (simuleret)"},
            }
        ),
    }


SOURCE_ADAPTERS = {adapters.SIMULATED: simulated_sources}


def data_sources() -> dict[str, DataSource]:
    """The sources SB_DATA_SOURCES selects (today only the simulated ones)."""
    return SOURCE_ADAPTERS[adapters.chosen(adapters.DATA_SOURCES)]()
