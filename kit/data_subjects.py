"""Whose personal data a request touched, so the gateway can audit every read and write.

The service layer says `touched(citizen_id)` when it reads or changes a citizen's data; the
web layer puts the ids in the response header X-Data-Subjects, which the gateway records in
the audit trail and strips before the response leaves. Ids are person UUIDs, never CPRs.
"""

from __future__ import annotations

import contextvars
from urllib.parse import quote

HEADER = "X-Data-Subjects"
# On what basis staff reached the data (kit.policy), and a break-glass's stated reason
# (percent-encoded: headers are ASCII). The gateway records both and strips them.
BASIS_HEADER, REASON_HEADER = "X-Access-Basis", "X-Access-Reason"
_subjects: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "data_subjects", default=()
)
_basis: contextvars.ContextVar[tuple[str, str | None] | None] = contextvars.ContextVar(
    "access_basis", default=None
)


def touched(*citizen_ids: str) -> None:
    current = _subjects.get()
    _subjects.set(current + tuple(c for c in dict.fromkeys(citizen_ids) if c and c not in current))


def touched_subjects() -> tuple[str, ...]:
    return _subjects.get()


def used_basis(basis: str, reason: str | None = None) -> None:
    """Staff reached the data on this basis; a break-glass is never overwritten by another."""
    current = _basis.get()
    if current is None or current[0] != "break_glass":
        _basis.set((basis, reason))


def access_headers() -> dict[str, str]:
    """The response headers that tell the gateway whose data was touched, and on what basis."""
    headers: dict[str, str] = {}
    if _subjects.get():
        headers[HEADER] = ",".join(_subjects.get())
    basis = _basis.get()
    if basis is not None:
        headers[BASIS_HEADER] = basis[0]
        if basis[1]:
            headers[REASON_HEADER] = quote(basis[1], safe="")
    return headers


def reset() -> None:
    _subjects.set(())
    _basis.set(None)
