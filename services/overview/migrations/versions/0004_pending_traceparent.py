"""A queued push keeps the trace context (W3C traceparent) it arose in, so the push's span
joins the trace of the event that caused it and the index receives it (kit.tracing).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("overview_pending") as batch:
        batch.add_column(sa.Column("traceparent", sa.String(55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("overview_pending") as batch:
        batch.drop_column("traceparent")
