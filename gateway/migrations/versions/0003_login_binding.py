"""Bind each login transaction to the browser that started it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Logins in flight during the upgrade are dropped: they could not be bound anyway.
    op.execute("DELETE FROM login_transactions")
    with op.batch_alter_table("login_transactions") as batch:
        batch.add_column(
            sa.Column("browser_hash", sa.String(64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("login_transactions") as batch:
        batch.drop_column("browser_hash")
