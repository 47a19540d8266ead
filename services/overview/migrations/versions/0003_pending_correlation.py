"""A queued push keeps the correlation id of what caused it, and sends it on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("overview_pending") as batch:
        batch.add_column(sa.Column("correlation_id", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("overview_pending") as batch:
        batch.drop_column("correlation_id")
