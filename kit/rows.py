"""Writing a row once, the same way on SQLite and PostgreSQL: insert if absent, or insert or
update (both databases speak INSERT ... ON CONFLICT; SQLAlchemy builds it per dialect).

Both are single statements, so two writers racing on the same key cannot both insert: one
inserts, the other finds the row (and, for upsert, updates it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(conn: Connection, table: Table) -> Any:
    """INSERT for the connection's database, with its ON CONFLICT clauses (for statements the
    two functions below do not cover, e.g. one upsert for many rows)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_if_absent(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str] | None = None,
) -> bool:
    """Insert `values` unless a row with the same `key` (default: the primary key) exists;
    True if this call inserted it."""
    key = list(key) if key is not None else [c.name for c in table.primary_key.columns]
    statement = (
        dialect_insert(conn, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=key)
        .returning(*[table.c[name] for name in key])
    )
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    return conn.execute(statement).first() is not None


def insert_many_if_absent(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str] | None = None,
    returning: str | None = None,
) -> set[Any]:
    """`insert_if_absent` for many rows in one statement: the `returning` column's values
    (default: the key's first column) of the rows this call inserted."""
    if not rows:
        return set()
    key = list(key) if key is not None else [c.name for c in table.primary_key.columns]
    column = table.c[returning or key[0]]
    statement = (
        dialect_insert(conn, table).on_conflict_do_nothing(index_elements=key).returning(column)
    )
    # Many parameter sets for one statement, not one statement with every row in its VALUES:
    # SQLAlchemy compiles it once and caches it, then sends the rows in batches of VALUES
    # ("insertmanyvalues"); a VALUES list of a hundred rows was compiled anew on every call
    # (issue 18: half of the notifications consumer's CPU).
    return {row[0] for row in conn.execute(statement, list(rows))}


def upsert(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str] | None = None,
    changes: Mapping[str, Any] | None = None,
    where: ColumnElement[bool] | None = None,
    returning: Sequence[str] = (),
) -> Row | None:
    """Insert `values`, or update the row with the same `key`: with `changes` if given, else
    with every other column of `values`; only where `where` holds for the existing row. With
    `returning`, those columns of the row as it now is (None if `where` left it alone)."""
    key = list(key) if key is not None else [c.name for c in table.primary_key.columns]
    statement = dialect_insert(conn, table).values(**values)
    set_ = (
        dict(changes)
        if changes is not None
        else {k: statement.excluded[k] for k in values if k not in key}
    )
    if not set_:
        upserting = statement.on_conflict_do_nothing(index_elements=key)
    else:
        upserting = statement.on_conflict_do_update(index_elements=key, set_=set_, where=where)
    if returning:
        return conn.execute(upserting.returning(*[table.c[name] for name in returning])).first()
    conn.execute(upserting)
    return None
