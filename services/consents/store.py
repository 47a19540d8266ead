"""Persistence of the consents service: the only module with queries.

Every table of facts is append-only: rows are inserted, never updated or deleted. The one
exception is `citizen_locks`, which holds no facts: each use case that changes a citizen's
consents or proxies locks the citizen's row first, so that their decisions (and the events in
the outbox) take effect one at a time and in order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    String,
    Table,
    Text,
    and_,
    select,
)

from kit import break_glass, relations
from kit.db import ID, PERSON, UtcDateTime, new_metadata
from kit.rows import insert_if_absent
from services.consents.domain import Consent, ConsentExpiry, ConsentHistory, Withdrawal
from services.consents.proxies import Proxy, ProxyExpiry, ProxyRecord, Revocation

metadata = new_metadata()
# Staff relations to citizens, from the appointments' and applications' events (kit.policy).
visit_view = relations.visit_view(metadata)
assignment_view = relations.assignment_view(metadata)
break_glass_grants = break_glass.grants_table(metadata)

citizen_locks = Table("citizen_locks", metadata, Column("citizen_id", PERSON, primary_key=True))

consents = Table(
    "consents",
    metadata,
    Column("id", ID, primary_key=True),
    Column("citizen_id", PERSON, nullable=False, index=True),
    Column("purpose", String(100), nullable=False),
    Column("case_ref", String(200), nullable=True),
    Column("data_categories", JSON, nullable=False),
    Column("sources", JSON, nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("text_version", String(20), nullable=False),
    Column("language", String(2), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("given_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("given_by", PERSON, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", PERSON, nullable=False),
    Column("attested_by", PERSON, nullable=True),
    Column("device_id", String(100), nullable=True),
    Column("note", Text, nullable=True),
)

consent_withdrawals = Table(
    "consent_withdrawals",
    metadata,
    Column("id", ID, primary_key=True),
    # Unique: a consent is withdrawn at most once.
    Column("consent_id", ID, ForeignKey("consents.id"), nullable=False, unique=True),
    Column("citizen_id", PERSON, nullable=False, index=True),
    Column("purpose", String(100), nullable=False),
    Column("case_ref", String(200), nullable=True),
    Column("withdrawn_at", UtcDateTime, nullable=False),
    Column("withdrawn_by", PERSON, nullable=False),
)

consent_expiries = Table(
    "consent_expiries",
    metadata,
    # The primary key makes a second expiry (and its event) impossible.
    Column("consent_id", ID, ForeignKey("consents.id"), primary_key=True),
    Column("citizen_id", PERSON, nullable=False, index=True),
    Column("expired_at", UtcDateTime, nullable=False),
    Column("in_force", Boolean, nullable=False),  # False: it had been superseded already
    Column("recorded_at", UtcDateTime, nullable=False),
)

proxies = Table(
    "proxies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("citizen_id", PERSON, nullable=False, index=True),
    Column("agent_id", PERSON, nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime, nullable=True, index=True),
    Column("court_reference", String(200), nullable=True),
    Column("granted_by", PERSON, nullable=False),
    Column("granted_at", UtcDateTime, nullable=False),
    Column("agent_name", String(200), nullable=True),
    Column("citizen_name", String(200), nullable=True),
)

proxy_revocations = Table(
    "proxy_revocations",
    metadata,
    Column("proxy_id", ID, ForeignKey("proxies.id"), primary_key=True),
    Column("revoked_at", UtcDateTime, nullable=False),
    Column("revoked_by", PERSON, nullable=False),
)

proxy_expiries = Table(
    "proxy_expiries",
    metadata,
    Column("proxy_id", ID, ForeignKey("proxies.id"), primary_key=True),
    Column("expired_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

consent_checks = Table(
    "consent_checks",
    metadata,
    Column("id", ID, primary_key=True),
    Column("citizen_id", PERSON, nullable=False, index=True),
    Column("purpose", String(100), nullable=False),
    Column("case_ref", String(200), nullable=True),
    Column("data_categories", JSON, nullable=False),
    Column("asked_by", String(200), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("reason", String(50), nullable=False),
    Column("consent_id", ID, nullable=True),
    Column("checked_at", UtcDateTime, nullable=False),
)


def lock_citizen(conn: Connection, citizen_id: str, *, shared: bool = False) -> None:
    """Serialise changes to one citizen's consents and proxies until the transaction ends.

    `shared` (for checks): checks run side by side, but never beside a change, so a check's
    time and answer are consistent with every withdrawal's time. Take the clock after this.
    """
    insert_if_absent(conn, citizen_locks, {"citizen_id": citizen_id})
    # SQLite has no row locks; its BEGIN IMMEDIATE (kit.db) already serialises writers.
    conn.execute(
        select(citizen_locks.c.citizen_id)
        .where(citizen_locks.c.citizen_id == citizen_id)
        .with_for_update(read=shared)
    )


# Consents -----------------------------------------------------------------------------------


def add_consent(conn: Connection, consent: Consent) -> None:
    values = dict(vars(consent))
    for name in ("data_categories", "sources", "recipients"):
        values[name] = list(values[name])
    conn.execute(consents.insert().values(**values))


def add_withdrawal(conn: Connection, withdrawal: Withdrawal) -> None:
    conn.execute(consent_withdrawals.insert().values(**vars(withdrawal)))


def add_consent_expiry(
    conn: Connection, expiry: ConsentExpiry, citizen_id: str, in_force: bool, now: datetime
) -> None:
    conn.execute(
        consent_expiries.insert().values(
            consent_id=expiry.consent_id,
            citizen_id=citizen_id,
            expired_at=expiry.expired_at,
            in_force=in_force,
            recorded_at=now,
        )
    )


def consent_citizen(conn: Connection, consent_id: str) -> str | None:
    return conn.execute(
        select(consents.c.citizen_id).where(consents.c.id == consent_id)
    ).scalar_one_or_none()


def consent_history(conn: Connection, citizen_id: str) -> ConsentHistory:
    def rows(table: Table) -> list[Any]:
        return list(conn.execute(select(table).where(table.c.citizen_id == citizen_id)))

    return ConsentHistory(
        [_consent(row) for row in rows(consents)],
        [Withdrawal(**row._asdict()) for row in rows(consent_withdrawals)],
        [ConsentExpiry(row.consent_id, row.expired_at) for row in rows(consent_expiries)],
    )


def _consent(row: Any) -> Consent:
    values = row._asdict()
    for name in ("data_categories", "sources", "recipients"):
        values[name] = tuple(values[name])
    return Consent(**values)


def citizens_with_due_consents(conn: Connection, now: datetime, limit: int) -> list[str]:
    """Citizens with a consent past its expiry that is neither withdrawn nor expired yet."""
    query = (
        select(consents.c.citizen_id)
        .distinct()
        .select_from(
            consents.outerjoin(
                consent_expiries, consent_expiries.c.consent_id == consents.c.id
            ).outerjoin(consent_withdrawals, consent_withdrawals.c.consent_id == consents.c.id)
        )
        .where(
            consents.c.expires_at <= now,
            consent_expiries.c.consent_id.is_(None),
            consent_withdrawals.c.consent_id.is_(None),
        )
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


# Proxies ------------------------------------------------------------------------------------


def add_proxy(conn: Connection, proxy: Proxy) -> None:
    conn.execute(proxies.insert().values(**{**vars(proxy), "scopes": list(proxy.scopes)}))


def add_revocation(conn: Connection, revocation: Revocation) -> None:
    conn.execute(proxy_revocations.insert().values(**vars(revocation)))


def add_proxy_expiry(conn: Connection, expiry: ProxyExpiry, now: datetime) -> None:
    conn.execute(
        proxy_expiries.insert().values(
            proxy_id=expiry.proxy_id, expired_at=expiry.expired_at, recorded_at=now
        )
    )


def proxy_records(
    conn: Connection,
    *,
    citizen_id: str | None = None,
    agent_id: str | None = None,
    proxy_id: str | None = None,
) -> list[ProxyRecord]:
    query = (
        select(
            proxies,
            proxy_revocations.c.revoked_at,
            proxy_revocations.c.revoked_by,
            proxy_expiries.c.expired_at,
        )
        .select_from(
            proxies.outerjoin(
                proxy_revocations, proxy_revocations.c.proxy_id == proxies.c.id
            ).outerjoin(proxy_expiries, proxy_expiries.c.proxy_id == proxies.c.id)
        )
        .order_by(proxies.c.granted_at)
    )
    for column, value in (
        (proxies.c.citizen_id, citizen_id),
        (proxies.c.agent_id, agent_id),
        (proxies.c.id, proxy_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return [_proxy_record(row) for row in conn.execute(query)]


def proxy_record(conn: Connection, proxy_id: str) -> ProxyRecord | None:
    found = proxy_records(conn, proxy_id=proxy_id)
    return found[0] if found else None


def _proxy_record(row: Any) -> ProxyRecord:
    values = row._asdict()
    revoked_at, revoked_by = values.pop("revoked_at"), values.pop("revoked_by")
    expired_at = values.pop("expired_at")
    proxy = Proxy(**{**values, "scopes": tuple(values["scopes"])})
    return ProxyRecord(
        proxy,
        Revocation(proxy.id, revoked_at, revoked_by) if revoked_at is not None else None,
        ProxyExpiry(proxy.id, expired_at) if expired_at is not None else None,
    )


def due_proxy_ids(conn: Connection, now: datetime, limit: int) -> list[str]:
    query = (
        select(proxies.c.id)
        .select_from(
            proxies.outerjoin(
                proxy_revocations, proxy_revocations.c.proxy_id == proxies.c.id
            ).outerjoin(proxy_expiries, proxy_expiries.c.proxy_id == proxies.c.id)
        )
        .where(
            and_(proxies.c.valid_until.is_not(None), proxies.c.valid_until <= now),
            proxy_revocations.c.proxy_id.is_(None),
            proxy_expiries.c.proxy_id.is_(None),
        )
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


# Checks (who asked about the citizen, and what they were told) -----------------------------


def add_check(conn: Connection, **values: Any) -> None:
    values["data_categories"] = list(values["data_categories"])
    conn.execute(consent_checks.insert().values(**values))


def checks_about(conn: Connection, citizen_id: str) -> list[dict[str, Any]]:
    query = (
        select(consent_checks)
        .where(consent_checks.c.citizen_id == citizen_id)
        .order_by(consent_checks.c.checked_at)
    )
    return [row._asdict() for row in conn.execute(query)]
