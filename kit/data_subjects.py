"""Whose personal data a request touched, so the gateway can audit every read and write.

The service layer says `touched(citizen_id)` when it reads or changes a citizen's data; the
web layer puts the ids in the response header X-Data-Subjects, which the gateway records in
the audit trail and strips before the response leaves. Ids are person UUIDs, never CPRs.
"""

from __future__ import annotations

import contextvars

HEADER = "X-Data-Subjects"
_subjects: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "data_subjects", default=()
)


def touched(*citizen_ids: str) -> None:
    current = _subjects.get()
    _subjects.set(current + tuple(c for c in dict.fromkeys(citizen_ids) if c and c not in current))


def touched_subjects() -> tuple[str, ...]:
    return _subjects.get()


def reset() -> None:
    _subjects.set(())
