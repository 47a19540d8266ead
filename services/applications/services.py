"""Use cases of the applications service: load, check access, apply the rules, save, and
record the events, each in one transaction.

One module per group of use cases, under usecases/: queries, the citizen's commands, data
fetched with consent, casework, and the local view of consents. ApplicationsService is all of
them together; the API, the handlers and the tests use it from here.
"""

from __future__ import annotations

from kit.idempotency import Idempotency, Outcome
from services.applications.usecases.base import SOURCE, TOPIC, etag
from services.applications.usecases.caseload import CaseQueue
from services.applications.usecases.casework import Casework
from services.applications.usecases.citizen import CitizenCommands
from services.applications.usecases.consent_view import ConsentView
from services.applications.usecases.fetching import ConsentGatedFetch
from services.applications.usecases.organisation import Organisation
from services.applications.usecases.queries import Queries

__all__ = ["SOURCE", "TOPIC", "ApplicationsService", "Idempotency", "Outcome", "etag"]


class ApplicationsService(
    Queries, CitizenCommands, ConsentGatedFetch, Casework, CaseQueue, Organisation, ConsentView
):
    """Every use case of the applications service."""
