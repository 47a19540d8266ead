"""The connector's per-case records, its queue of pushes and its dead letters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _push_columns() -> list:
    return [
        sa.Column("case_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "overview_cases",
        sa.Column("application_id", sa.String(100), nullable=False),
        sa.Column("type_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name="pk_overview_cases"),
    )
    op.create_table(
        "overview_pending",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_push_columns(),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_overview_pending"),
    )
    op.create_index("ix_overview_pending_case_id_id", "overview_pending", ["case_id", "id"])
    op.create_table(
        "overview_dead_letters",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_push_columns(),
        sa.Column("reason", sa.String(100), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_overview_dead_letters"),
    )


def downgrade() -> None:
    op.drop_table("overview_dead_letters")
    op.drop_index("ix_overview_pending_case_id_id", "overview_pending")
    op.drop_table("overview_pending")
    op.drop_table("overview_cases")
