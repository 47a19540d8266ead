"""Occurrences taken from the bus, and the exports made of them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "insight_occurrences",
        sa.Column("seq", _ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(100), nullable=False, unique=True),
        sa.Column("activity", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(200), nullable=False),
        sa.Column("actor_type", sa.String(20), nullable=False),
        sa.Column("on_behalf_of", sa.String(200)),
        sa.Column("correlation_id", sa.String(100), nullable=False),
        sa.Column("objects", sa.Text, nullable=False),
        sa.Column("attributes", sa.Text, nullable=False),
    )
    op.create_index("ix_insight_occurrences_time", "insight_occurrences", ["time"])
    op.create_table(
        "insight_exports",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("last_seq", _ID, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("insight_exports")
    op.drop_index("ix_insight_occurrences_time", "insight_occurrences")
    op.drop_table("insight_occurrences")
