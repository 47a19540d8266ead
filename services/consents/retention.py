"""The consents service's retention rules (docs/RETENTION.md): the history of consents that
ended long ago, and the checks made against them. Run by its worker (kit.retention)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, or_, select

from kit.retention import Rule, table_rule
from services.consents.store import (
    consent_checks,
    consent_expiries,
    consent_withdrawals,
    consents,
)

# Five years after a consent ended (withdrawn or expired), its evidence is no longer needed:
# the limitation period for claims about the data fetched with it has run out.
EVIDENCE = timedelta(days=int(os.environ.get("SB_CONSENT_EVIDENCE_DAYS", 5 * 365 + 1)))


def _ended_consents(conn: Connection, cutoff: datetime, limit: int) -> list:
    withdrawn_before = select(consent_withdrawals.c.consent_id).where(
        consent_withdrawals.c.withdrawn_at < cutoff
    )
    query = (
        select(consents.c.id)
        .where(or_(consents.c.expires_at < cutoff, consents.c.id.in_(withdrawn_before)))
        .limit(limit)
    )
    return [(row.id,) for row in conn.execute(query)]


def _delete_consents(conn: Connection, ids: list) -> int:
    keys = [i[0] for i in ids]
    conn.execute(delete(consent_withdrawals).where(consent_withdrawals.c.consent_id.in_(keys)))
    conn.execute(delete(consent_expiries).where(consent_expiries.c.consent_id.in_(keys)))
    return conn.execute(delete(consents).where(consents.c.id.in_(keys))).rowcount


RULES = (
    Rule(
        "consent_history",
        EVIDENCE,
        _ended_consents,
        _delete_consents,
        "a consent with its withdrawal or expiry, once it ended five years ago",
    ),
    table_rule(
        "consent_checks",
        consent_checks,
        consent_checks.c.checked_at,
        EVIDENCE,
        "the record of each check (who asked, allowed or not, on which consent)",
    ),
)
