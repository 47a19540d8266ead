"""The local view of powers of attorney and guardianships, built from the consents service's
events, for every service that lets one person act for another.

The consents service is the authority; this view follows its events (granted, revoked,
expired) and never reads its tables. An ended proxy stays ended: a late or redelivered
"granted" never revives it. A service keeps the table in its own database (created by its
migrations) and feeds it from its consumer with `on_proxy_event`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Row,
    String,
    Table,
    and_,
    bindparam,
    or_,
    select,
    update,
)

from kit.db import UtcDateTime, new_metadata
from kit.events import Event
from kit.rows import upsert
from schemas.events import consents as consent_events

ACTIVE, REVOKED, EXPIRED = "active", "revoked", "expired"

proxy_metadata = new_metadata()

proxy_view = Table(
    "proxy_view",
    proxy_metadata,
    Column("proxy_id", String(100), primary_key=True),
    Column("citizen_id", String(100), nullable=False, index=True),  # who is represented
    Column("agent_id", String(100), nullable=False, index=True),  # who may act for them
    Column("scopes", JSON, nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime, nullable=True),
    Column("state", String(20), nullable=False),  # active, revoked, expired
)


# The events that change the view (on_proxy_event).
PROXY_EVENTS = (
    consent_events.PROXY_GRANTED,
    consent_events.PROXY_REVOKED,
    consent_events.PROXY_EXPIRED,
)


def on_proxy_event(conn: Connection, event: Event) -> None:
    """Keep the view up to date with one of the consents service's events (others on the
    same topic are ignored)."""
    if event.type == consent_events.PROXY_GRANTED:
        record_granted(conn, event.data)
    elif event.type == consent_events.PROXY_REVOKED:
        end(conn, event.data["proxy_id"], REVOKED)
    elif event.type == consent_events.PROXY_EXPIRED:
        end(conn, event.data["proxy_id"], EXPIRED)


def record_granted(conn: Connection, data: Mapping[str, Any]) -> None:
    upsert(
        conn,
        proxy_view,
        {
            "proxy_id": data["proxy_id"],
            "citizen_id": data["citizen_id"],
            "agent_id": data["agent_id"],
            "scopes": list(data["scopes"]),
            "valid_from": _time(data["valid_from"]),
            "valid_until": _time(data.get("valid_until")),
            "state": ACTIVE,
        },
        where=proxy_view.c.state == ACTIVE,
    )


def end(conn: Connection, proxy_id: str, state: str) -> None:
    conn.execute(
        update(proxy_view)
        .where(and_(proxy_view.c.proxy_id == proxy_id, proxy_view.c.state == ACTIVE))
        .values(state=state)
    )


def _valid(at: Any) -> Any:  # a datetime, or a bound parameter for one
    return and_(
        proxy_view.c.state == ACTIVE,
        proxy_view.c.valid_from <= at,
        or_(proxy_view.c.valid_until.is_(None), proxy_view.c.valid_until > at),
    )


def scopes_of(conn: Connection, agent_id: str, citizen_id: str, at: datetime) -> set[str]:
    """What the agent may do for the citizen at `at`, by every valid proxy together."""
    rows = conn.execute(
        select(proxy_view.c.scopes).where(
            _valid(at), proxy_view.c.agent_id == agent_id, proxy_view.c.citizen_id == citizen_id
        )
    ).scalars()
    return {scope for scopes in rows for scope in scopes}


# Built once: on every citizen's read, building this statement cost more than running it
# (issue 18's profile: ~1.4 ms against ~0.1 ms).
_REPRESENTED_BY = select(proxy_view.c.citizen_id, proxy_view.c.scopes).where(
    _valid(bindparam("at", type_=UtcDateTime())), proxy_view.c.agent_id == bindparam("agent_id")
)


def represented_by(conn: Connection, agent_id: str, scope: str, at: datetime) -> list[str]:
    """The citizens the agent may act for with `scope` at `at`."""
    rows = conn.execute(_REPRESENTED_BY, {"agent_id": agent_id, "at": at})
    return sorted({row.citizen_id for row in rows if scope in row.scopes})


def represented_scopes(conn: Connection, agent_id: str, at: datetime) -> dict[str, set[str]]:
    """Every citizen the agent may act for at `at`, with the scopes they may act with: one
    query where asking scope by scope (represented_by) takes one each."""
    found: dict[str, set[str]] = {}
    for row in conn.execute(_REPRESENTED_BY, {"agent_id": agent_id, "at": at}):
        found.setdefault(row.citizen_id, set()).update(row.scopes)
    return {citizen: scopes for citizen, scopes in found.items() if scopes}


def agents_of(conn: Connection, citizen_id: str, scope: str, at: datetime) -> list[str]:
    """The people who may act for the citizen with `scope` at `at`."""
    rows = conn.execute(
        select(proxy_view.c.agent_id, proxy_view.c.scopes).where(
            _valid(at), proxy_view.c.citizen_id == citizen_id
        )
    )
    return sorted({row.agent_id for row in rows if scope in row.scopes})


Proxy = Row[Any]


def active_of(conn: Connection, citizen_ids: Sequence[str]) -> dict[str, list[Proxy]]:
    """The active proxies of many citizens in one query (for a batch of events), by citizen:
    `agents_among` then answers `agents_of` for each moment without asking again."""
    found: dict[str, list[Proxy]] = {citizen: [] for citizen in citizen_ids}
    if found:
        for row in conn.execute(
            select(proxy_view).where(
                proxy_view.c.state == ACTIVE, proxy_view.c.citizen_id.in_(sorted(found))
            )
        ):
            found[row.citizen_id].append(row)
    return found


def agents_among(rows: Sequence[Proxy], scope: str, at: datetime) -> list[str]:
    """`agents_of` from a citizen's active proxies (`active_of`): valid at `at`, with `scope`."""
    return sorted(
        {
            row.agent_id
            for row in rows
            if row.state == ACTIVE
            and row.valid_from <= at
            and (row.valid_until is None or row.valid_until > at)
            and scope in row.scopes
        }
    )


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
