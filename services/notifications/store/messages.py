"""Queries on messages and their status history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.engine import Row

from kit.rows import insert_if_absent, insert_many_if_absent
from services.notifications.domain import DUE
from services.notifications.store.tables import message_status, messages


def add_message(conn: Connection, values: Mapping[str, Any]) -> bool:
    """Insert the message unless this trigger gave this recipient one on this channel."""
    return insert_if_absent(
        conn, messages, values, key=["trigger_event_id", "recipient_id", "channel"]
    )


def add_messages(conn: Connection, values: Sequence[Mapping[str, Any]]) -> set[str]:
    """`add_message` for many in one statement: the ids of those inserted."""
    return insert_many_if_absent(
        conn,
        messages,
        values,
        key=["trigger_event_id", "recipient_id", "channel"],
        returning="id",
    )


def add_statuses(conn: Connection, values: Sequence[Mapping[str, Any]]) -> None:
    """Many `add_status` in one statement: message_id, status, at, attempt, reason."""
    if values:
        conn.execute(message_status.insert(), list(values))


def add_status(
    conn: Connection,
    message_id: str,
    status: str,
    at: datetime,
    attempt: int,
    reason: str | None = None,
) -> None:
    conn.execute(
        message_status.insert().values(
            message_id=message_id, status=status, at=at, attempt=attempt, reason=reason
        )
    )


def message(conn: Connection, message_id: str, *, for_update: bool = False) -> Row | None:
    query = select(messages).where(messages.c.id == message_id)
    return conn.execute(query.with_for_update() if for_update else query).first()


def message_by_provider_ref(conn: Connection, provider: str, ref: str) -> Row | None:
    return conn.execute(
        select(messages)
        .where(messages.c.provider == provider, messages.c.provider_ref == ref)
        .with_for_update()
    ).first()


def due_messages(conn: Connection, now: datetime, limit: int) -> list[Row]:
    return list(
        conn.execute(
            select(messages)
            .where(messages.c.status.in_(DUE), messages.c.next_attempt_at <= now)
            .order_by(messages.c.next_attempt_at)
            .limit(limit)
        )
    )


def claim_many(conn: Connection, message_ids: Sequence[str], now: datetime) -> list[Row]:
    """`claim` for many in one statement: the messages moved to sending (as they now are),
    leaving out any another sender took first or that is no longer due."""
    if not message_ids:
        return []
    return list(
        conn.execute(
            update(messages)
            .where(
                messages.c.id.in_(message_ids),
                messages.c.status.in_(DUE),
                messages.c.next_attempt_at <= now,
            )
            .values(status="sending", attempts=messages.c.attempts + 1, updated_at=now)
            .returning(*messages.c)
        )
    )


def messages_for_update(conn: Connection, message_ids: Sequence[str]) -> dict[str, Row]:
    """The messages with these ids, locked until the transaction ends; by id."""
    if not message_ids:
        return {}
    query = select(messages).where(messages.c.id.in_(message_ids)).order_by(messages.c.id)
    return {row.id: row for row in conn.execute(query.with_for_update())}


def update_messages(conn: Connection, changes: Sequence[Mapping[str, Any]]) -> None:
    """Many updates of the same columns in one round: each mapping has `id` and the values."""
    if not changes:
        return
    columns = [name for name in changes[0] if name != "id"]
    statement = (
        update(messages)
        .where(messages.c.id == bindparam("_id"))
        .values({name: bindparam(f"_{name}") for name in columns})
    )
    conn.execute(statement, [{f"_{k}": v for k, v in row.items()} for row in changes])


def claim(conn: Connection, message_id: str, status: str, now: datetime) -> bool:
    """Move a due message to sending unless another sender took it first."""
    result = conn.execute(
        update(messages)
        .where(
            messages.c.id == message_id,
            messages.c.status == status,
            messages.c.next_attempt_at <= now,
        )
        .values(status="sending", attempts=messages.c.attempts + 1, updated_at=now)
    )
    return result.rowcount == 1


def stuck_sending(conn: Connection, since: datetime, limit: int = 500) -> list[Row]:
    """Messages in sending, untouched since `since`: a crash or a lost callback."""
    return list(
        conn.execute(
            select(messages)
            .where(messages.c.status == "sending", messages.c.updated_at < since)
            .order_by(messages.c.updated_at)
            .limit(limit)
        )
    )


def update_message(conn: Connection, message_id: str, **values: Any) -> None:
    conn.execute(update(messages).where(messages.c.id == message_id).values(**values))


def hold(conn: Connection, message_id: str, until: datetime) -> None:
    conn.execute(update(messages).where(messages.c.id == message_id).values(next_attempt_at=until))


def messages_to(conn: Connection, recipient_id: str, limit: int = 200) -> list[Row]:
    return list(
        conn.execute(
            select(messages)
            .where(messages.c.recipient_id == recipient_id)
            .order_by(messages.c.created_at.desc(), messages.c.id)
            .limit(limit)
        )
    )


def messages_about(conn: Connection, citizen_id: str, limit: int = 500) -> list[Row]:
    return list(
        conn.execute(
            select(messages)
            .where(messages.c.citizen_id == citizen_id)
            .order_by(messages.c.created_at.desc(), messages.c.id)
            .limit(limit)
        )
    )


def status_history(conn: Connection, message_ids: list[str]) -> dict[str, list[Row]]:
    history: dict[str, list[Row]] = {i: [] for i in message_ids}
    if message_ids:
        for row in conn.execute(
            select(message_status)
            .where(message_status.c.message_id.in_(message_ids))
            .order_by(message_status.c.id)
        ):
            history[row.message_id].append(row)
    return history


def count_by_status(conn: Connection) -> dict[str, int]:
    return {
        row[0]: row[1]
        for row in conn.execute(select(messages.c.status, func.count()).group_by(messages.c.status))
    }
