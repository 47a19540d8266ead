"""Use cases of the consents service: consents (§ 11 a) and powers of attorney, each change
with its event in one transaction.

One module per group of use cases, under usecases/: consents and proxies. Register is both
together; the API, the worker and the tests use it from here.
"""

from __future__ import annotations

from services.consents.usecases.base import REGISTRAR, Clock, new_id, utcnow
from services.consents.usecases.consents import Consents
from services.consents.usecases.proxies import Proxies

__all__ = ["REGISTRAR", "Clock", "Register", "new_id", "utcnow"]


class Register(Consents, Proxies):
    """Every use case of the consents service."""
